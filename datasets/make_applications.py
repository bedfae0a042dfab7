"""Builds datasets/applications_sample.csv: the 1000 German credit applications dressed as
Indonesian online-lending applications, to demonstrate `credit decide` with the shipped policy.

The German columns (the scorecard's features and `creditability`) are kept as they are. The
policy's inputs and the bureau values are SYNTHETIC: drawn with a fixed seed, loosely correlated
with the German outcome so the policy has something to find. They are not real Indonesian data.

    python3 datasets/make_applications.py   # rewrites datasets/applications_sample.csv
"""
import csv
import pathlib
import random

here = pathlib.Path(__file__).parent
rng = random.Random(20261125)
rows = list(csv.DictReader(open(here / "german_credit.csv", newline="")))
employment = ["salaried"] * 55 + ["self_employed"] * 20 + ["gig"] * 17 + ["student"] * 5 + ["unemployed"] * 3
out = []
for index, row in enumerate(rows, start=1):
    bad = row["creditability"] == "bad"
    income = round(rng.lognormvariate(15.6 - (0.15 if bad else 0), 0.45), -4)  # median ~ IDR 6M
    day = rng.randrange(0, 365)
    month, dom = divmod(day, 28)
    year = 2025 + (6 + month) // 12
    month = (6 + month) % 12 + 1
    pefindo = rng.random()
    if pefindo < 0.12:
        pefindo_value = "no_record"
    elif pefindo < 0.15:
        pefindo_value = ""  # bureau did not answer
    else:
        pefindo_value = str(max(250, min(900, round(rng.gauss(640 - (70 if bad else 0), 90)))))
    kol = rng.random()
    kol_value = "no_record" if kol < 0.15 else str(1 if kol < 0.8 else 2 if kol < 0.93 else rng.choice([3, 4, 5]))
    out.append({
        "event_id": f"evt-{index:05d}",
        "user_id": f"usr-{rng.randrange(10**8):08d}",
        "loan_id": f"loan-{index:05d}",
        "amount": int(row["credit_amount"]) * 1000,
        "tenor_months": row["duration_in_month"],
        "timestamp": f"{year}-{month:02d}-{dom + 1:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+07:00",
        "age": row["age_in_years"],
        "monthly_income": int(income),
        "monthly_debt_payments": int(round(income * max(0.0, rng.gauss(0.12 + (0.05 if bad else 0), 0.08)), -3)),
        "active_platform_loans": min(5, int(rng.expovariate(1.3 - (0.4 if bad else 0)))),
        "delinquencies_12m": 1 if rng.random() < (0.08 if bad else 0.03) else 0,
        "inquiries_30d": min(9, int(rng.expovariate(0.7))),
        "employment_type": rng.choice(employment),
        "ktp_verified": "true" if rng.random() < 0.96 else "false",
        "on_watchlist": "true" if rng.random() < 0.005 else "false",
        "pefindo_score": pefindo_value,
        "slik_kol_worst_12m": kol_value,
        **row,
    })
with open(here / "applications_sample.csv", "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(out[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
