"""Scores a CSV with a CreditEngine model file using a peer tool, for the scoring benchmark.

    python3 benchmarks/peers/score_logit.py polars|duckdb|pandas MODEL.json DATA.csv OUT.csv

Each peer computes what `credit score` computes for a logistic model file:
  eta = intercept + sum(coefficient * coalesce(x, imputed value)) + sum(level coefficient of
        coalesce(c, missing level)),
  probability_of_default = 1 / (1 + exp(-eta)),
  score = baseScore + pointsToDoubleOdds / ln 2 * (-eta - ln(baseOdds)),
and writes id, probability_of_default, score in input order. Only the policies the benchmark
model uses (numeric impute, categorical missing level) are supported.
"""
import json
import math
import sys


def load(model_path):
    with open(model_path) as handle:
        document = json.load(handle)
    scaling = document["scaling"]
    factor = scaling["pointsToDoubleOdds"] / math.log(2)
    offset = scaling["baseScore"] - factor * math.log(scaling["baseOdds"])
    return document["model"], factor, offset


def run_polars(model, factor, offset, data, out):
    import polars as pl

    eta = pl.lit(model["intercept"])
    categorical = {}
    for feature in model["features"]:
        if feature["type"] == "numeric":
            eta = eta + pl.col(feature["name"]).fill_null(feature["missing"]["value"]) * feature["coefficient"]
        else:
            categorical[feature["name"]] = pl.Utf8
            mapping = {level["value"]: float(level["coefficient"]) for level in feature["levels"]}
            eta = eta + pl.col(feature["name"]).fill_null(feature["missing"]["level"]).replace_strict(mapping, return_dtype=pl.Float64)
    (
        pl.scan_csv(data, schema_overrides=categorical)
        .select(pl.col("id"), (1 / (1 + (-eta).exp())).alias("probability_of_default"), (offset - factor * eta).alias("score"))
        .sink_csv(out)
    )


def run_duckdb(model, factor, offset, data, out):
    import duckdb

    terms = [repr(model["intercept"])]
    types = {}
    for feature in model["features"]:
        name = feature["name"]
        if feature["type"] == "numeric":
            terms.append(f"coalesce({name}, {feature['missing']['value']!r}) * {feature['coefficient']!r}")
        else:
            types[name] = "VARCHAR"
            cases = " ".join(f"WHEN '{level['value']}' THEN {float(level['coefficient'])!r}" for level in feature["levels"])
            terms.append(f"(CASE coalesce({name}, '{feature['missing']['level']}') {cases} END)")
    eta = " + ".join(terms)
    type_list = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
    duckdb.sql(
        f"""COPY (SELECT id, 1 / (1 + exp(-eta)) AS probability_of_default, {offset!r} - {factor!r} * eta AS score
        FROM (SELECT id, {eta} AS eta FROM read_csv('{data}', header = true, types = {{{type_list}}})))
        TO '{out}' (HEADER, DELIMITER ',')"""
    )


def run_pandas(model, factor, offset, data, out):
    import numpy as np
    import pandas as pd

    categorical = [f["name"] for f in model["features"] if f["type"] == "categorical"]
    frame = pd.read_csv(data, dtype={name: str for name in categorical}, keep_default_na=False, na_values=[""])
    eta = np.full(len(frame), model["intercept"])
    for feature in model["features"]:
        column = frame[feature["name"]]
        if feature["type"] == "numeric":
            eta += column.fillna(feature["missing"]["value"]).to_numpy(dtype=float) * feature["coefficient"]
        else:
            mapping = {level["value"]: float(level["coefficient"]) for level in feature["levels"]}
            eta += column.fillna(feature["missing"]["level"]).map(mapping).to_numpy(dtype=float)
    result = pd.DataFrame({"id": frame["id"], "probability_of_default": 1 / (1 + np.exp(-eta)), "score": offset - factor * eta})
    result.to_csv(out, index=False)


if __name__ == "__main__":
    tool, model_path, data, out = sys.argv[1:5]
    model, factor, offset = load(model_path)
    {"polars": run_polars, "duckdb": run_duckdb, "pandas": run_pandas}[tool](model, factor, offset, data, out)
