"""Exported models scored by real engines must agree with `credit score` on every row.

For the shipped logistic model and scorecard, on a few thousand German-credit rows with missing
cells, unseen categories and extreme amounts mixed in:

  * PMML: `credit export --format pmml` loads in jpmml-evaluator (the JPMML Java evaluator, which
    refuses invalid PMML), passes its `verify()` against the embedded ModelVerification, and
    scores every row: PD within 1e-12 (relative), score within 1e-12 (exactly, for scorecards),
    reason codes identical, and the same rows refused;
  * SQL: `credit export --format sql` run in SQLite (Python's sqlite3), DuckDB and a throwaway
    PostgreSQL server (initdb on 127.0.0.1 and a free port) on the same rows:
    the same numbers, with NULL exactly where `credit score` rejects.

Writes a fixture (a sample of rows with jpmml's answers, the exported PMML's SHA-256 and the
peers' versions) for the Swift tests, or with --check only compares.

    python3 benchmarks/peers/export_parity.py --credit .build/debug/credit [--fixture PATH] [--rows 3000]
Requires: pip install jpmml_evaluator==0.16.0 jpype1==1.7.1 duckdb==2.0.1 (and Java 17).
"""
import argparse
import csv
import hashlib
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
from importlib.metadata import version

MODELS = ["pd-german-credit", "pd-german-credit-scorecard"]
TOLERANCE = 1e-12


def hostile_rows(count, seed):
    """German-credit rows with an id, some cells emptied, some categories never seen, some amounts extreme."""
    with open("datasets/german_credit.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = ["id"] + list(rows[0].keys())
    random.seed(seed)
    out = []
    for index in range(count):
        row = dict(random.choice(rows))
        row["id"] = f"app-{index}"
        roll = random.random()
        column = random.choice(header[1:-1])
        if roll < 0.08:
            row[column] = ""
        elif roll < 0.14 and not is_number(row[column]):
            row[column] = "a category never seen"
        elif roll < 0.18:
            row["credit_amount"] = random.choice(["0", "-5", "250000000", "1e9", "18424.5"])
        elif roll < 0.22:
            row["duration_in_month"] = "-1"
        elif roll < 0.26:
            row["purpose"] = "unknown purpose"
        out.append(row)
    return header, out


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def run(arguments):
    result = subprocess.run(arguments, capture_output=True, text=True)
    if result.returncode not in (0, 65):
        sys.exit(f"{' '.join(arguments)} failed ({result.returncode}): {result.stderr}")
    return result


def read_scores(path):
    with open(path, newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def close(a, b):
    return a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= TOLERANCE * max(abs(a), abs(b)))


def compare(name, engine, expected, got, scorecard, problems):
    """`expected`: credit score's rows by id (absent: rejected); `got`: the engine's (None: refused)."""
    for key, answer in got.items():
        mine = expected.get(key)
        if (mine is None) != (answer is None):
            problems.append(f"{name} {engine} {key}: credit score {'rejects' if mine is None else 'scores'} it, {engine} {'refuses' if answer is None else 'scores'} it")
            continue
        if mine is None:
            continue
        pd_mine, pd_peer = float(mine["probability_of_default"]), float(answer["probability_of_default"])
        score_mine, score_peer = float(mine["score"]), float(answer["score"])
        if not close(pd_mine, pd_peer):
            problems.append(f"{name} {engine} {key}: PD {pd_mine!r} vs {pd_peer!r}")
        if (score_mine != score_peer) if scorecard else not close(score_mine, score_peer):
            problems.append(f"{name} {engine} {key}: score {score_mine!r} vs {score_peer!r}")
        if scorecard:
            reasons_mine = [mine.get(f"reason_{r}") or None for r in range(1, 5)]
            reasons_peer = [answer.get(f"reason_{r}") or None for r in range(1, 5)]
            if reasons_mine != reasons_peer:
                problems.append(f"{name} {engine} {key}: reasons {reasons_mine} vs {reasons_peer}")


def pmml_answers(path, header, rows, numeric):
    from jpmml_evaluator import make_evaluator

    evaluator = make_evaluator(path, backend="jpype").verify()
    inputs = {field.getName() for field in evaluator.getInputFields()}
    answers = {}
    for row in rows:
        arguments = {}
        for name in inputs:
            text = row[name]
            arguments[name] = None if text == "" else (float(text) if name in numeric else text)
        try:
            result = evaluator.evaluate(arguments)
        except Exception:
            answers[row["id"]] = None
            continue
        answer = {"probability_of_default": result["probability_of_default"], "score": result["score"]}
        for rank in range(1, 5):
            if f"reason_{rank}" in result:
                answer[f"reason_{rank}"] = result[f"reason_{rank}"]
        answers[row["id"]] = answer
    return answers


def sql_answers(query, header, rows, numeric, engine):
    """Runs the exported query over a table of `rows` (numeric columns typed, empty cells NULL)."""
    columns = ", ".join(f'"{name}" {"DOUBLE" if name in numeric else "VARCHAR"}' for name in header)
    values = [[None if row[name] == "" else (float(row[name]) if name in numeric else row[name]) for name in header] for row in rows]
    if engine == "sqlite":
        connection = sqlite3.connect(":memory:")
        connection.execute(f"CREATE TABLE applications ({columns.replace('DOUBLE', 'REAL').replace('VARCHAR', 'TEXT')})")
        connection.executemany(f"INSERT INTO applications VALUES ({', '.join('?' for _ in header)})", values)
        cursor = connection.execute(query)
    else:
        import duckdb

        connection = duckdb.connect()
        connection.execute(f"CREATE TABLE applications ({columns})")
        connection.executemany(f"INSERT INTO applications VALUES ({', '.join('?' for _ in header)})", values)
        cursor = connection.execute(query)
    names = [description[0] for description in cursor.description]
    answers = {}
    for record in cursor.fetchall():
        row = dict(zip(names, record))
        answers[row["id"]] = None if row["score"] is None else row
    return answers


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own: initdb into a temporary directory, listening on 127.0.0.1 and
    a free port, run as the postgres user when this script runs as root, removed afterwards."""

    def __init__(self):
        import glob
        import shutil
        import socket
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            sys.exit("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
        self.bin = os.path.dirname(bins[-1])
        self.directory = tempfile.mkdtemp(prefix="creditengine-pg-")
        os.chmod(self.directory, 0o777)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data = os.path.join(self.directory, "data")
        subprocess.run(self.prefix + [f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)
        subprocess.run(self.prefix + [f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.directory, "log"), "-o",
                       f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
        self.shutil = shutil

    def psql(self, sql, stdin=None):
        result = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                                 "-d", "postgres", "-c", sql], input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"psql failed: {result.stderr}")
        return result.stdout

    def stop(self):
        subprocess.run(self.prefix + [f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"], capture_output=True)
        self.shutil.rmtree(self.directory, ignore_errors=True)


def postgres_answers(server, query, header, rows, numeric):
    columns = ", ".join(f'"{name}" {"DOUBLE PRECISION" if name in numeric else "TEXT"}' for name in header)
    buffer = []
    for row in rows:
        buffer.append(",".join('"' + row[name].replace('"', '""') + '"' if row[name] != "" and name not in numeric else row[name] for name in header))
    server.psql(f"DROP TABLE IF EXISTS applications; CREATE TABLE applications ({columns})")
    server.psql("COPY applications FROM STDIN WITH (FORMAT csv)", stdin="\n".join(buffer) + "\n")
    answers = {}
    for row in csv.DictReader(server.psql(query).splitlines()):
        answers[row["id"]] = None if row["score"] == "" else row
    return answers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--credit", required=True)
    parser.add_argument("--fixture", default="Tests/CreditInterchangeTests/Fixtures/export_parity.json")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--check", action="store_true", help="compare only; write no fixture")
    options = parser.parse_args()
    header, rows = hostile_rows(options.rows, seed=2026)
    problems, fixture = [], {"provenance": {
        "script": "benchmarks/peers/export_parity.py", "rows": options.rows, "seed": 2026,
        "jpmml_evaluator": version("jpmml_evaluator"), "jpype1": version("jpype1"), "duckdb": version("duckdb"),
        "sqlite": sqlite3.sqlite_version, "python": sys.version.split()[0],
        "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
        "tolerance": TOLERANCE}, "models": {}}
    postgres = ThrowawayPostgres()
    fixture["provenance"]["postgresql"] = postgres.psql("SHOW server_version").splitlines()[1]
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "in.csv")
        with open(data, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        # A scorecard with a special value (-1 months) and a special category, fitted here on
        # training rows that hold them, so the special bins' PMML and SQL are checked too.
        training = os.path.join(work, "train.csv")
        with open("datasets/german_credit.csv", newline="") as handle:
            train = list(csv.DictReader(handle))
        random.seed(7)
        for row in train:
            if random.random() < 0.1:
                row["duration_in_month"] = "-1"
            if random.random() < 0.1:
                row["purpose"] = "unknown purpose"
        with open(training, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(train[0].keys()), lineterminator="\n")
            writer.writeheader()
            writer.writerows(train)
        special = os.path.join(work, "special.json")
        run([options.credit, "fit", "--scorecard", "--data", training, "--target", "creditability", "--event", "bad",
             "--special=-1", "--special-categories", "unknown purpose", "--model-id", "pd-special-scorecard",
             "--model-version", "1.0.0", "--out", special])
        # A logistic model that imputes a missing number and scores a missing or unseen category as
        # a level: the shipped model's PMML with those treatments, imported.
        shipped_pmml = os.path.join(work, "shipped-logistic.pmml")
        run([options.credit, "export", "--model", "models/pd-german-credit/1.0.0/model.json", "--format", "pmml", "--out", shipped_pmml])
        text = open(shipped_pmml).read()
        text = text.replace('<MiningField invalidValueTreatment="returnInvalid" missingValueTreatment="returnInvalid" name="duration_in_month"/>',
                            '<MiningField invalidValueTreatment="returnInvalid" missingValueReplacement="18.5" missingValueTreatment="asValue" name="duration_in_month"/>')
        text = text.replace('<MiningField invalidValueTreatment="returnInvalid" missingValueTreatment="returnInvalid" name="purpose"/>',
                            '<MiningField invalidValueReplacement="others" invalidValueTreatment="asValue" missingValueReplacement="car (new)" missingValueTreatment="asValue" name="purpose"/>')
        if text.count("asValue") != 6:  # both MiningSchemas of the chain
            sys.exit("the shipped logistic PMML no longer has the MiningFields this script edits")
        policy_pmml = os.path.join(work, "policy.pmml")
        open(policy_pmml, "w").write(text)
        policy = os.path.join(work, "policy.json")
        run([options.credit, "import", "--format", "pmml", "--in", policy_pmml, "--out", policy, "--model-id", "pd-policy-logistic", "--model-version", "1.0.0"])
        # A scorecard that refuses an unseen purpose instead of scoring it as missing.
        shipped_card = os.path.join(work, "shipped-card.pmml")
        run([options.credit, "export", "--model", "models/pd-german-credit-scorecard/1.0.0/model.json", "--format", "pmml", "--out", shipped_card])
        text = open(shipped_card).read()
        start = text.index('name="purpose_points"')
        end = text.index("</Characteristic>", start)
        block = text[start:end]
        catch_all = block.rindex("<Attribute")
        text = text[:start] + block[:catch_all].rstrip(" ") + text[end:]
        text = text.replace('<MiningField invalidValueTreatment="asIs" name="purpose"/>', '<MiningField invalidValueTreatment="returnInvalid" name="purpose"/>')
        strict_pmml = os.path.join(work, "strict.pmml")
        open(strict_pmml, "w").write(text)
        strict = os.path.join(work, "strict.json")
        run([options.credit, "import", "--format", "pmml", "--in", strict_pmml, "--out", strict, "--model-id", "pd-strict-scorecard", "--model-version", "1.0.0"])
        variants = {"pd-special-scorecard": special, "pd-policy-logistic": policy, "pd-strict-scorecard": strict}
        for name in MODELS + list(variants):
            model = variants.get(name, f"models/{name}/1.0.0/model.json")
            document = json.load(open(model))
            scorecard = document["kind"] == "scorecard"
            if scorecard:
                fields = [c["binning"]["name"] for c in document["scorecard"]["characteristics"]]
                numeric = {c["binning"]["name"] for c in document["scorecard"]["characteristics"] if c["binning"]["isNumeric"]}
            else:
                fields = [f["name"] for f in document["model"]["features"]]
                numeric = {f["name"] for f in document["model"]["features"] if f["type"] == "numeric"}
            out = os.path.join(work, f"{name}.csv")
            run([options.credit, "score", "--model", model, "--data", data, "--out", out, "--keep", "id", "--quiet"]
                + (["--reasons", "4"] if scorecard else []))
            expected = read_scores(out)
            pmml = os.path.join(work, f"{name}.pmml")
            run([options.credit, "export", "--model", model, "--format", "pmml", "--out", pmml])
            answers = pmml_answers(pmml, header, rows, numeric)
            compare(name, "jpmml", expected, answers, scorecard, problems)
            for dialect in ["sqlite", "duckdb"]:
                query = run([options.credit, "export", "--model", model, "--format", "sql", "--dialect", dialect, "--out", "-"]).stdout
                compare(name, dialect, expected, sql_answers(query, header, rows, numeric, dialect), scorecard, problems)
            query = run([options.credit, "export", "--model", model, "--format", "sql", "--dialect", "postgresql", "--out", "-"]).stdout
            compare(name, "postgresql", expected, postgres_answers(postgres, query, header, rows, numeric), scorecard, problems)
            # Round trip: the PMML imported back scores every row byte for byte as the original.
            imported = os.path.join(work, f"{name}.imported.json")
            run([options.credit, "import", "--format", "pmml", "--in", pmml, "--out", imported])
            again = os.path.join(work, f"{name}.again.csv")
            run([options.credit, "score", "--model", imported, "--data", data, "--out", again, "--keep", "id", "--quiet"]
                + (["--reasons", "4"] if scorecard else []))
            for suffix in ["", ".rejects.csv"]:
                if open(out + suffix, "rb").read() != open(again + suffix, "rb").read():
                    problems.append(f"{name}: the imported model's {'rejects' if suffix else 'scores'} differ from the original's")
            refused = sum(answer is None for answer in answers.values())
            print(f"{name}: {len(rows)} rows, {len(rows) - refused} scored and {refused} refused alike by credit score, jpmml-evaluator, SQLite, DuckDB, PostgreSQL and the re-imported model"
                  if not problems else f"{name}: compared")
            if name not in MODELS:
                continue
            sample = rows[:150]
            fixture["models"][name] = {
                "pmmlSHA256": hashlib.sha256(open(pmml, "rb").read()).hexdigest(),
                "rows": [{"input": {k: (None if row[k] == "" else (float(row[k]) if k in numeric else row[k])) for k in fields},
                          "jpmml": answers[row["id"]]} for row in sample],
            }
    postgres.stop()
    if problems:
        for problem in problems[:40]:
            print(problem, file=sys.stderr)
        sys.exit(f"{len(problems)} disagreements")
    if not options.check:
        os.makedirs(os.path.dirname(options.fixture), exist_ok=True)
        with open(options.fixture, "w") as handle:
            json.dump(fixture, handle, sort_keys=True)
            handle.write("\n")
        print(f"wrote {options.fixture}")


if __name__ == "__main__":
    main()
