"""Checks that score files agree: same ids in the same order, PD and score within tolerance.

    python3 benchmarks/peers/compare_scores.py REFERENCE.csv OTHER.csv [...]

Prints the largest relative PD difference and absolute score difference for each file and exits
non-zero if any exceeds 1e-12 (relative) or the ids differ.
"""
import sys

import numpy as np
import polars as pl

TOLERANCE = 1e-12


def main():
    reference = pl.read_csv(sys.argv[1], schema_overrides={"id": pl.Utf8})
    failed = False
    for path in sys.argv[2:]:
        other = pl.read_csv(path, schema_overrides={"id": pl.Utf8})
        same_ids = reference.height == other.height and (reference["id"] == other["id"]).all()
        pd_ref, pd_other = reference["probability_of_default"].to_numpy(), other["probability_of_default"].to_numpy()
        relative_pd = float(np.max(np.abs(pd_ref - pd_other) / np.maximum(np.abs(pd_ref), 1e-300))) if same_ids else float("inf")
        score_ref, score_other = reference["score"].to_numpy(), other["score"].to_numpy()
        relative_score = float(np.max(np.abs(score_ref - score_other) / np.maximum(np.abs(score_ref), 1e-300))) if same_ids else float("inf")
        ok = same_ids and relative_pd <= TOLERANCE and relative_score <= TOLERANCE
        failed |= not ok
        print(f"{path}: rows {other.height}, ids {'same' if same_ids else 'DIFFERENT'}, max rel. PD diff {relative_pd:.2e}, "
              f"max rel. score diff {relative_score:.2e} -> {'ok' if ok else 'FAIL'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
