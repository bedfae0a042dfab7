"""Writes cases.csv: hand-reasoned test cases for policy-id-online-lending 1.0.0 with the
pd-german-credit-scorecard 1.0.0 model, run by `credit rules test` (and the test suite).

Each case starts from one approved application of datasets/applications_sample.csv and changes
what the case is about; the expected decision and rule hits follow from the policy's text (see
CARD.md), not from running the engine.

    python3 models/policy-id-online-lending/1.0.0/make_cases.py
"""
import csv
import pathlib

here = pathlib.Path(__file__).parent
rows = list(csv.DictReader(open(here / "../../../datasets/applications_sample.csv", newline="")))
base = dict(rows[2], employment_type="salaried")  # grade A, DSR 0.22, amount 2,096,000 over 12 months
grey = {k: v for k, v in rows[5].items() if k not in base or k in (
    "status_of_existing_checking_account", "duration_in_month", "credit_history", "purpose", "credit_amount",
    "savings_account_and_bonds", "present_employment_since", "installment_rate_in_percentage_of_disposable_income",
    "property", "age_in_years", "other_installment_plans", "housing")}  # PD 0.35: grade D
high = {k: rows[1][k] for k in grey}  # PD 0.55: grade E

cases = [
    ("clean application", {}, "approve", "", ""),
    ("under 18", {"age": "17"}, "decline", "KO-AGE", ""),
    ("watch list", {"on_watchlist": "true"}, "decline", "KO-WATCHLIST", ""),
    ("low income, DSR over 30%", {"monthly_income": "2900000"}, "decline", "KO-INCOME;KO-DSR", ""),
    ("DSR 33% in 2025 (cap 40%)", {"monthly_debt_payments": "1200000", "timestamp": "2025-08-01T10:00:00+07:00"}, "approve", "", ""),
    ("DSR 33% in 2026 (cap 30%)", {"monthly_debt_payments": "1200000", "timestamp": "2026-01-01T00:00:00+07:00"}, "decline", "KO-DSR", ""),
    ("three platform loans", {"active_platform_loans": "3"}, "decline", "KO-PLATFORMS", ""),
    ("SLIK kol 3", {"slik_kol_worst_12m": "3"}, "decline", "KO-SLIK", ""),
    ("SLIK kol 2", {"slik_kol_worst_12m": "2"}, "refer", "REF-SLIK-2", "P16"),
    ("no record at either bureau", {"slik_kol_worst_12m": "no_record", "pefindo_score": "no_record"}, "refer", "REF-THIN-FILE", "P15"),
    ("Pefindo gave no answer", {"pefindo_score": ""}, "refer", "", "OPS-BUREAU-UNAVAILABLE"),
    ("Pefindo 300", {"pefindo_score": "300"}, "decline", "KO-PEFINDO", ""),
    ("Pefindo out of range", {"pefindo_score": "950"}, "reject", "", ""),
    ("six inquiries", {"inquiries_30d": "6"}, "refer", "REF-INQUIRIES", "P13"),
    ("KTP not verified", {"ktp_verified": "false"}, "refer", "REF-KTP", "P14"),
    ("20 million", {"amount": "20000000"}, "decline", "KO-DSR;KO-LTI;KO-LIMIT;FLAG-LARGE", ""),
    ("24 months at DSR 20%", {"tenor_months": "24"}, "refer", "REF-TENOR", "P12"),
    ("income missing", {"monthly_income": ""}, "refer", "KO-INCOME;KO-DSR;KO-LTI;KO-LIMIT;REF-TENOR", ""),
    ("unemployed", {"employment_type": "unemployed"}, "decline", "KO-EMPLOYMENT", ""),
    ("unknown employment type", {"employment_type": "pilot"}, "reject", "", ""),
    ("age not a number", {"age": "abc"}, "reject", "", ""),
    ("recent delinquency", {"delinquencies_12m": "1"}, "decline", "KO-DELINQUENT", ""),
    ("gig worker", {"employment_type": "gig"}, "approve", "FLAG-GIG", ""),
    ("PD 0.35: between the cut-offs", dict(grey, amount="1500000", tenor_months="3"), "refer", "", "PD-GREY-ZONE"),
    ("PD 0.55: grade E has no limit", dict(high, amount="1500000", tenor_months="3"), "decline", "KO-LIMIT;REF-TENOR", "P11"),
]
with open(here / "cases.csv", "w", newline="") as f:
    fields = ["case", "expected_decision", "expected_rules", "expected_reasons"] + list(base)
    writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for name, changes, decision, rules, reasons in cases:
        writer.writerow(dict(base, **changes, case=name, expected_decision=decision, expected_rules=rules, expected_reasons=reasons))
