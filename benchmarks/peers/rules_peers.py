"""Knock-out rules benchmark peer: the same 20 knock-out rules as a CreditEngine policy and as a
GoRules JDM decision table (hit policy collect), run by zen-engine's Python package.

    python3 rules_peers.py make WORK N        # WORK/applicants.csv (N seeded rows), knockout.jdm.json
    python3 rules_peers.py policy FILE        # the CreditEngine policy (unsealed) to FILE
    python3 rules_peers.py zen WORK OUT.json  # zen: pre-loaded decision, evaluate() per applicant
    python3 rules_peers.py compare WORK       # zen's hits == `credit rules run` hits, row by row
"""
import csv
import importlib.metadata
import json
import sys
import time

import numpy as np

DSR = "(monthly_debt_payments + amount / tenor_months) / monthly_income"
# id, JDM input field (an expression), ZEN unary test, CreditEngine condition
RULES = [
    ("KO-AGE-MIN", "age", "< 18", "age < 18"),
    ("KO-AGE-MAX", "age", "> 65", "age > 65"),
    ("KO-INCOME", "monthly_income", "< 3000000", "monthly_income < 3000000"),
    ("KO-DSR", DSR, "> 0.3", f"{DSR} > 0.3"),
    ("KO-LTI", "amount / monthly_income", "> 3", "amount / monthly_income > 3"),
    ("KO-PLATFORMS", "active_platform_loans", ">= 3", "active_platform_loans >= 3"),
    ("KO-DELINQUENT", "delinquencies_12m", "> 0", "delinquencies_12m > 0"),
    ("KO-INQUIRIES", "inquiries_30d", ">= 8", "inquiries_30d >= 8"),
    ("KO-EMPLOYMENT", "employment_type", '"unemployed"', 'employment_type == "unemployed"'),
    ("KO-WATCHLIST", "on_watchlist", "true", "on_watchlist"),
    ("KO-KTP", "ktp_verified", "false", "not ktp_verified"),
    ("KO-SLIK", "slik_kol", ">= 3", "slik_kol >= 3"),
    ("KO-PEFINDO", "pefindo_score", "< 450", "pefindo_score < 450"),
    ("KO-TENURE", "months_at_employer", "< 3", "months_at_employer < 3"),
    ("KO-PHONE", "phone_age_days", "< 90", "phone_age_days < 90"),
    ("KO-EMAIL", "email_age_days", "< 30", "email_age_days < 30"),
    ("KO-DEVICE", "device_risk_score", "> 80", "device_risk_score > 80"),
    ("KO-TENOR", "tenor_months", "> 24", "tenor_months > 24"),
    ("KO-AMOUNT", "amount", "< 500000", "amount < 500000"),
    ("KO-CHANNEL", "channel", '"unknown", "blocked"', 'channel in ["unknown", "blocked"]'),
]
NUMBERS = ["age", "monthly_income", "monthly_debt_payments", "amount", "tenor_months", "active_platform_loans",
           "delinquencies_12m", "inquiries_30d", "slik_kol", "pefindo_score", "months_at_employer", "phone_age_days",
           "email_age_days", "device_risk_score"]
BOOLEANS = ["on_watchlist", "ktp_verified"]
STRINGS = ["employment_type", "channel"]


def make(work, rows):
    rng = np.random.default_rng(20261125)
    n = int(rows)
    columns = {
        "id": np.arange(1, n + 1),
        "age": rng.integers(16, 72, n),
        "monthly_income": np.round(rng.lognormal(15.6, 0.5, n), -3).astype(np.int64),
        "monthly_debt_payments": np.round(rng.lognormal(13.5, 1.0, n), -3).astype(np.int64),
        "amount": np.round(rng.lognormal(15.0, 0.8, n), -4).astype(np.int64),
        "tenor_months": rng.choice([1, 3, 6, 12, 18, 24, 36], n),
        "active_platform_loans": rng.poisson(0.8, n),
        "delinquencies_12m": rng.binomial(1, 0.04, n),
        "inquiries_30d": rng.poisson(2, n),
        "employment_type": rng.choice(["salaried", "self_employed", "gig", "student", "unemployed"], n, p=[.55, .2, .17, .05, .03]),
        "on_watchlist": np.where(rng.random(n) < 0.005, "true", "false"),
        "ktp_verified": np.where(rng.random(n) < 0.96, "true", "false"),
        "slik_kol": rng.choice([1, 2, 3, 4, 5], n, p=[.8, .12, .04, .02, .02]),
        "pefindo_score": rng.integers(250, 901, n),
        "months_at_employer": rng.integers(0, 240, n),
        "phone_age_days": rng.integers(0, 4000, n),
        "email_age_days": rng.integers(0, 5000, n),
        "device_risk_score": rng.integers(0, 101, n),
        "channel": rng.choice(["app", "web", "agent", "unknown", "blocked"], n, p=[.6, .3, .08, .015, .005]),
    }
    names = list(columns)
    with open(f"{work}/applicants.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*(columns[name].tolist() for name in names)))
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": f"in-{i}", "name": rule[0], "field": rule[1]} for i, rule in enumerate(RULES)],
        "outputs": [{"id": "out-code", "name": "Rule", "field": "rule"}],
        "rules": [dict({"_id": rule[0], "out-code": json.dumps(rule[0])},
                       **{f"in-{j}": (rule[2] if i == j else "") for j in range(len(RULES))}) for i, rule in enumerate(RULES)],
    }
    jdm = {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {"id": "knockouts", "type": "decisionTableNode", "name": "knockouts", "position": {"x": 300, "y": 0}, "content": table},
            {"id": "response", "type": "outputNode", "name": "Response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "request", "targetId": "knockouts", "type": "edge"},
                  {"id": "e2", "sourceId": "knockouts", "targetId": "response", "type": "edge"}],
    }
    json.dump(jdm, open(f"{work}/knockout.jdm.json", "w"))


def policy(path):
    document = {
        "schemaVersion": 1, "policyId": "bench-knockouts", "policyVersion": "1.0.0",
        "description": "20 knock-out rules for the rules benchmark (benchmarks/rules.sh).",
        "inputs": [{"name": n, "type": "number"} for n in NUMBERS if n not in ("amount", "tenor_months")] + [{"name": n, "type": "boolean"} for n in BOOLEANS]
        + [{"name": n, "type": "string"} for n in STRINGS],
        "grades": [{"grade": "A", "maxPD": 1}],
        "cutoffs": {"approveMaxPD": 0.2, "declineMinPD": 0.4, "declineReason": "P00", "declineText": {"en": "PD too high", "id": "PD terlalu tinggi"}},
        "rules": [{"id": r[0], "when": r[3], "outcome": "decline", "reasonCode": r[0], "text": {"en": r[0], "id": r[0]}} for r in RULES],
    }
    json.dump(document, open(path, "w"), indent=2)


def load(work):
    applicants = []
    with open(f"{work}/applicants.csv", newline="") as f:
        for row in csv.DictReader(f):
            case = {n: float(row[n]) for n in NUMBERS}
            case.update({n: row[n] == "true" for n in BOOLEANS})
            case.update({n: row[n] for n in STRINGS})
            applicants.append(case)
    return applicants


def run_zen(work, out):
    import zen
    applicants = load(work)
    decision = zen.ZenEngine().create_decision(open(f"{work}/knockout.jdm.json").read())
    start = time.perf_counter()
    hits = [";".join(r["rule"] for r in decision.evaluate(case)["result"]) for case in applicants]
    seconds = time.perf_counter() - start
    with open(f"{work}/zen-hits.txt", "w") as f:
        f.write("\n".join(hits) + "\n")
    json.dump({"rows": len(applicants), "seconds": seconds, "zen-engine": importlib.metadata.version("zen-engine")}, open(out, "w"))


def compare(work):
    ours = [row["rule_hits"] for row in csv.DictReader(open(f"{work}/hits.csv", newline=""))]
    theirs = open(f"{work}/zen-hits.txt").read().split("\n")[:-1]
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    differ = sum(a != b for a, b in zip(ours, theirs))
    hit = sum(1 for a in ours if a)
    print(f"agreement: {len(ours) - differ}/{len(ours)} rows identical ({hit} rows hit at least one rule)")
    return differ == 0


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "make":
        make(sys.argv[2], sys.argv[3])
    elif command == "policy":
        policy(sys.argv[2])
    elif command == "zen":
        run_zen(sys.argv[2], sys.argv[3])
    elif command == "compare":
        sys.exit(0 if compare(sys.argv[2]) else 1)
