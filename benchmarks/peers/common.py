"""Shared helpers of the peer scripts: the design matrix CreditEngine builds, and provenance."""
import platform
import sys

import numpy as np
import pandas as pd


def load_design(path, target, event, exclude=()):
    """Reads a CSV the way `credit fit` does and returns (terms, X, y).

    A column is numeric when its first value parses as a number; other columns are one-hot
    encoded with every level but the first in code-point (= UTF-8 byte) order, which is the
    reference. The intercept comes first, then columns in file order.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = (frame[target] == event).astype(float).to_numpy()
    terms, columns = ["(intercept)"], [np.ones(len(frame))]
    for name in frame.columns:
        if name == target or name in exclude:
            continue
        values = frame[name]
        try:
            float(values.iloc[0])
            numeric = True
        except ValueError:
            numeric = False
        if numeric:
            terms.append(name)
            columns.append(values.astype(float).to_numpy())
        else:
            levels = sorted(set(values))
            for level in levels[1:]:
                terms.append(f"{name}={level}")
                columns.append((values == level).astype(float).to_numpy())
    return terms, np.column_stack(columns), y


def provenance(script, command, dataset, tolerance, **tools):
    versions = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}
    for name, module in tools.items():
        versions[name] = module.__version__
    return {
        "producedBy": versions,
        "script": script,
        "command": command,
        "dataset": dataset,
        "tolerance": tolerance,
        "platform": f"{platform.system()} {platform.machine()}",
    }
