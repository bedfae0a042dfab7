"""Reference results of GoRules zen-engine on a JDM decision table, for the JDM import test.

Builds one JDM document (the JSON the GoRules editor writes) whose tables use the unary-test
forms the importer accepts: string lists, number comparisons, closed, open and half-open ranges,
equality, and empty cells; evaluates 2,000 seeded random applicants (with missing values) under
the `first` and the `collect` hit policies with zen-engine's Python package; and writes the
document, the inputs and zen's outputs to Tests/CreditRulesTests/Fixtures/jdm_parity.json.
The Swift test imports the document and must produce the same outputs exactly.

    python3 benchmarks/peers/jdm_parity.py
"""
import copy
import importlib.metadata
import json
import pathlib
import random
import sys

import zen

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import provenance  # noqa: E402

root = pathlib.Path(__file__).resolve().parents[2]
rng = random.Random(20261125)

table = {
    "hitPolicy": "first",
    "inputs": [
        {"id": "in-grade", "name": "Grade", "field": "grade"},
        {"id": "in-dsr", "name": "DSR", "field": "dsr"},
        {"id": "in-kol", "name": "SLIK kol", "field": "bureau.kol"},
        {"id": "in-channel", "name": "Channel", "field": "channel"},
    ],
    "outputs": [
        {"id": "out-amount", "name": "Max amount", "field": "max_amount"},
        {"id": "out-tenor", "name": "Max tenor", "field": "limit.tenor"},
        {"id": "out-band", "name": "Band", "field": "band"},
    ],
    "rules": [
        {"_id": "r1", "in-grade": '"A"', "in-dsr": "< 0.2", "in-kol": "1", "in-channel": "", "out-amount": "20000000", "out-tenor": "24", "out-band": '"prime"'},
        {"_id": "r2", "in-grade": '"A", "B"', "in-dsr": "[0.2..0.35]", "in-kol": "<= 2", "in-channel": '"app"', "out-amount": "12000000", "out-tenor": "12", "out-band": '"near-prime"'},
        {"_id": "r3", "in-grade": '"B"', "in-dsr": "(0.1..0.2)", "in-kol": "", "in-channel": "", "out-amount": "8000000", "out-tenor": "12", "out-band": '"near-prime"'},
        {"_id": "r4", "in-grade": '"C"', "in-dsr": "[0.1..0.3)", "in-kol": "1, 2", "in-channel": '"app", "web"', "out-amount": "5000000", "out-tenor": "6", "out-band": '"standard"'},
        {"_id": "r5", "in-grade": '"C", "D"', "in-dsr": "(0.3..0.45]", "in-kol": "< 3", "in-channel": "", "out-amount": "2000000", "out-tenor": "3", "out-band": '"subprime"'},
        {"_id": "r6", "in-grade": "", "in-dsr": "> 0.45", "in-kol": "", "in-channel": "", "out-amount": "0", "out-tenor": "0", "out-band": '"over-indebted"'},
        {"_id": "r7", "in-grade": "", "in-dsr": "", "in-kol": ">= 3", "in-channel": "", "out-amount": "0", "out-tenor": "0", "out-band": '"delinquent"'},
        {"_id": "r8", "in-grade": '"E"', "in-dsr": "", "in-kol": "", "in-channel": '"agent"', "out-amount": "1000000", "out-tenor": "1", "out-band": '"agent-only"'},
    ],
}


def document(hit_policy):
    content = copy.deepcopy(table)
    content["hitPolicy"] = hit_policy
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {"id": "limits", "type": "decisionTableNode", "name": "limits", "position": {"x": 300, "y": 0}, "content": content},
            {"id": "response", "type": "outputNode", "name": "Response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "request", "targetId": "limits", "type": "edge"},
            {"id": "e2", "sourceId": "limits", "targetId": "response", "type": "edge"},
        ],
    }


def flatten(value, prefix=""):
    """zen nests `limit.tenor` as {"limit": {"tenor": …}}; the fixture keeps dotted names."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def applicant():
    case = {}
    if rng.random() > 0.05:
        case["grade"] = rng.choice("ABCDEF")
    if rng.random() > 0.05:
        # Boundaries on purpose: 0.1, 0.2, 0.3, 0.35, 0.45 exactly, and values between.
        case["dsr"] = rng.choice([0.1, 0.2, 0.3, 0.35, 0.45, round(rng.uniform(0, 0.6), 3)])
    if rng.random() > 0.05:
        case["bureau"] = {"kol": rng.randint(1, 5)}
    if rng.random() > 0.05:
        case["channel"] = rng.choice(["app", "web", "agent"])
    return case


engine = zen.ZenEngine()
cases = [applicant() for _ in range(2000)]
results = {}
for policy in ["first", "collect"]:
    decision = engine.create_decision(json.dumps(document(policy)))
    outputs = []
    for case in cases:
        result = decision.evaluate(case)["result"]
        outputs.append([flatten(r) for r in result] if isinstance(result, list) else flatten(result) if result else {})
    results[policy] = outputs

fixture = {"provenance": provenance(
    "benchmarks/peers/jdm_parity.py", "python3 benchmarks/peers/jdm_parity.py", "2,000 seeded random applicants (seed 20261125)",
    {"outputs": "exact"})}
fixture["provenance"]["producedBy"]["zen-engine"] = importlib.metadata.version("zen-engine")
fixture.update({
    "documents": {policy: document(policy) for policy in results},
    "inputTypes": {"grade": "string", "dsr": "number", "bureau.kol": "number", "channel": "string"},
    "cases": [flatten(case) for case in cases],
    "results": results,
})
out = root / "Tests/CreditRulesTests/Fixtures/jdm_parity.json"
out.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
print(f"wrote {out.relative_to(root)}: {len(cases)} cases; first-policy matches: {sum(1 for r in results['first'] if r)}")
