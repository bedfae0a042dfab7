/// The PostgreSQL schema of the decision store: its versioned migrations, the triggers that keep
/// it append-only, and the privileges of the service's role.
///
/// Types, chosen deliberately:
/// - `uuid` primary keys for rows that have an id (decisions, evaluations, data keys, erasures);
///   `seq bigint` is each chain's position, unique, assigned under the chain's lock.
/// - `timestamptz` for times, written and read in UTC with millisecond precision (what the hash
///   chain covers, `2026-11-25T09:47:41.498Z`); `date` for the application date.
/// - `double precision`, not `numeric`, for amounts, scores and PDs: the chain hashes the IEEE
///   double the engine decided on, and `double precision` gives back exactly those bits, where a
///   `numeric` would hold a decimal that must be converted back. (Amounts are whole rupiah far
///   below 2⁵³, so they are exact in a double.)
/// - `bytea` for encrypted inputs, wrapped keys and response bytes, kept byte for byte.
enum PostgresSchema {
    /// One migration: its version, name and statements (run in one transaction).
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// The tables every chain, key and response lives in, in creation order.
    static let tables = ["credit_scores", "risk_evaluations", "idempotency_keys", "audit_head", "subject_keys", "erasures", "schema_migrations"]

    /// The function every append-only trigger runs: it refuses the statement.
    static let refuseFunctionSource =
        " BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; END "

    /// The append-only triggers: name, table, and `pg_trigger.tgtype` (1 row, 2 before, 8 delete,
    /// 16 update, 32 truncate). A person's data key never changes and goes only by an erasure.
    static let triggers: [(name: String, table: String, type: Int16)] =
        ["credit_scores", "risk_evaluations", "idempotency_keys", "erasures"].flatMap { table in
            [("\(table)_append_only", table, Int16(1 | 2 | 8 | 16)), ("\(table)_no_truncate", table, Int16(2 | 32))]
        } + [("subject_keys_no_update", "subject_keys", Int16(1 | 2 | 16)), ("subject_keys_no_truncate", "subject_keys", Int16(2 | 32))]

    static let migrations: [Migration] = [
        Migration(version: 1, name: "decisions, evaluations, idempotency keys, heads, per-person keys, erasures", statements: [
            """
            CREATE TABLE credit_scores (
              id uuid PRIMARY KEY, seq bigint NOT NULL UNIQUE CHECK (seq > 0), created_at timestamptz NOT NULL,
              event_id text NOT NULL UNIQUE, loan_id text NOT NULL, user_id text NOT NULL,
              amount double precision NOT NULL, tenor_months double precision, application_date date NOT NULL,
              model_id text NOT NULL, model_version text NOT NULL, model_sha256 text NOT NULL,
              score double precision, pd double precision, grade text,
              inputs_encrypted bytea NOT NULL, inputs_key_id uuid, prev_hash text NOT NULL, row_hash text NOT NULL)
            """,
            "CREATE INDEX credit_scores_loan ON credit_scores (loan_id, seq)",
            """
            CREATE TABLE risk_evaluations (
              id uuid PRIMARY KEY, seq bigint NOT NULL UNIQUE CHECK (seq > 0), score_id uuid NOT NULL UNIQUE REFERENCES credit_scores (id),
              created_at timestamptz NOT NULL, policy_id text NOT NULL, policy_version text NOT NULL, policy_sha256 text NOT NULL,
              decision text NOT NULL, rule_hits text NOT NULL, reasons text NOT NULL, response_sha256 text NOT NULL,
              prev_hash text NOT NULL, row_hash text NOT NULL)
            """,
            // The key is claimed before the decision's rows are written, in the same transaction.
            """
            CREATE TABLE idempotency_keys (
              key text PRIMARY KEY, request_sha256 text NOT NULL,
              score_id uuid NOT NULL UNIQUE REFERENCES credit_scores (id) DEFERRABLE INITIALLY DEFERRED,
              status integer NOT NULL, response bytea NOT NULL, response_mac text NOT NULL, created_at timestamptz NOT NULL)
            """,
            "CREATE TABLE audit_head (chain text PRIMARY KEY, seq bigint NOT NULL, row_hash text NOT NULL, mac text NOT NULL)",
            """
            CREATE TABLE subject_keys (
              key_id uuid PRIMARY KEY, user_id text NOT NULL UNIQUE, wrapped bytea NOT NULL, created_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE erasures (
              id uuid PRIMARY KEY, seq bigint NOT NULL UNIQUE CHECK (seq > 0), created_at timestamptz NOT NULL, user_id text NOT NULL,
              requested_by text NOT NULL, reason text NOT NULL, key_ids text NOT NULL, decisions bigint NOT NULL,
              prev_hash text NOT NULL, row_hash text NOT NULL)
            """,
            "CREATE FUNCTION credit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$\(refuseFunctionSource)$$",
        ] + triggers.map { name, table, type in
            let events = [(Int16(8), "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")].filter { type & $0.0 != 0 }.map(\.1).joined(separator: " OR ")
            return "CREATE TRIGGER \(name) BEFORE \(events) ON \(table) FOR EACH \(type & 1 != 0 ? "ROW" : "STATEMENT") EXECUTE FUNCTION credit_refuse_change()"
        }),
    ]

    /// The latest schema version this build knows.
    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// What the service's role may do: read everything, insert decisions, keys and erasures, and
    /// move the chains' heads (the one row per chain that changes, under an HMAC). No UPDATE or
    /// DELETE on any chained table, no TRUNCATE, no DDL.
    static func grants(to role: String) -> [String] {
        let chained = "credit_scores, risk_evaluations, idempotency_keys, subject_keys, erasures"
        return [
            "REVOKE ALL ON \(tables.joined(separator: ", ")) FROM PUBLIC",
            "REVOKE ALL ON \(tables.joined(separator: ", ")) FROM \(role)",
            "GRANT USAGE ON SCHEMA \(schemaPlaceholder) TO \(role)",
            "GRANT SELECT, INSERT ON \(chained) TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON audit_head TO \(role)",
            "GRANT SELECT ON schema_migrations TO \(role)",
        ]
    }

    /// Replaced by the current schema's name when the grants run.
    static let schemaPlaceholder = "{schema}"
}
