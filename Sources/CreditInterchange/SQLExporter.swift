public import CreditEngine
import RealModule

/// Writes a model as one SQL `SELECT` over a table of applications, so a warehouse scores where
/// the data lives (DuckDB, PostgreSQL, Spark SQL, SQLite).
///
/// A scorecard is a `CASE WHEN` per characteristic (missing and special bins first, as
/// CreditEngine bins), the points summed (exact integers), the PD from the total through the
/// scaling with `exp`, and the reason codes by ranking the points lost against each
/// characteristic's best bin (ties in characteristic order, only characteristics that lost
/// points). A logistic model is its linear predictor summed in feature order, as CreditEngine
/// sums it, with the missing and unseen-level policies in the `CASE`s. A row the model would
/// reject (a missing value that is refused, an unseen category that is refused, a number where a
/// category is expected in SQLite) gets a `NULL` score and PD: the rejects of `credit score`.
public enum SQLExporter {
    /// The SQL dialects: they differ in identifier quoting, in how a double literal and a missing
    /// value are written, and in typing.
    public enum Dialect: String, Sendable, CaseIterable {
        case duckdb, postgresql, spark, sqlite
    }

    /// The `SELECT` scoring every row of `table`; `keep` columns are copied first.
    /// - Throws: ``InterchangeError`` for a model SQL cannot represent.
    public static func query(for file: ModelFile, dialect: Dialect, table: String, keep: [String]) throws(InterchangeError) -> String {
        let writer = Writer(dialect: dialect)
        let kept = keep.map(writer.identifier)
        if let scorecard = file.scorecard {
            return scorecardQuery(scorecard, file: file, writer: writer, table: writer.identifier(table), kept: kept)
        }
        guard let model = file.model else { throw .unsupported(path: "kind", detail: "the model file has neither a model nor a scorecard") }
        return try logisticQuery(model, file: file, dialect: dialect, writer: writer, table: writer.identifier(table), kept: kept)
    }

    private static func scorecardQuery(_ scorecard: Scorecard, file: ModelFile, writer: Writer, table: String, kept: [String]) -> String {
        let characteristics = scorecard.characteristics
        let pointsColumns = characteristics.indices.map { "credit_points_\($0)" }
        let selected = kept + characteristics.enumerated().map { index, characteristic in
            binCase(characteristic, writer: writer) + " AS \(pointsColumns[index])"
        }
        var sql = "WITH credit_points AS (\n  SELECT " + selected.joined(separator: ",\n    ")
        sql += "\n  FROM \(table)\n), credit_total AS (\n  SELECT *, \(scorecard.basePoints) + " + pointsColumns.joined(separator: " + ") + " AS credit_score"
        // Points lost against each characteristic's best bin.
        for (index, characteristic) in characteristics.enumerated() {
            sql += ",\n    \(characteristic.maxPoints) - \(pointsColumns[index]) AS credit_lost_\(index)"
        }
        sql += "\n  FROM credit_points\n), credit_ranked AS (\n  SELECT *"
        // Rank of each characteristic among those that lost points: 1 + those that lost more, or as much and come first.
        for index in characteristics.indices {
            let ahead = characteristics.indices.filter { $0 != index }.map { other in
                other < index ? "CASE WHEN credit_lost_\(other) >= credit_lost_\(index) THEN 1 ELSE 0 END"
                    : "CASE WHEN credit_lost_\(other) > credit_lost_\(index) THEN 1 ELSE 0 END"
            }
            sql += ",\n    1" + ahead.map { " + " + $0 }.joined() + " AS credit_rank_\(index)"
        }
        sql += "\n  FROM credit_total\n)\nSELECT " + kept.map { $0 + ", " }.joined()
        sql += "1.0 / (1.0 + exp((credit_score - \(writer.double(file.scaling.offset))) / \(writer.double(file.scaling.factor)))) AS probability_of_default,\n"
        sql += "  credit_score AS score"
        for rank in 1...4 {
            sql += ",\n  CASE"
            for (index, characteristic) in characteristics.enumerated() {
                sql += " WHEN credit_lost_\(index) > 0 AND credit_rank_\(index) = \(rank) THEN \(writer.string(characteristic.reason.code))"
            }
            sql += " END AS reason_\(rank)"
        }
        sql += "\nFROM credit_ranked;\n"
        return sql
    }

    /// The points of the bin a row falls in, `NULL` where the scorecard rejects the row.
    private static func binCase(_ characteristic: Characteristic, writer: Writer) -> String {
        let column = writer.identifier(characteristic.name)
        let binning = characteristic.binning
        var branches: [String] = []
        let missingPoints = binning.missingBinIndex.map { characteristic.points[$0] }
        branches.append("WHEN \(writer.isMissing(column)) THEN \(missingPoints.map(String.init) ?? "NULL")")
        if binning.isNumeric {
            if let guardText = writer.notNumber(column) { branches.append("WHEN \(guardText) THEN NULL") }
            for (index, bin) in binning.bins.enumerated() {
                if case .special(let values) = bin.values {
                    branches.append("WHEN \(column) IN (\(values.map(writer.double).joined(separator: ", "))) THEN \(characteristic.points[index])")
                }
            }
            for (index, bin) in binning.bins.enumerated() {
                guard case .interval(let lower, let upper) = bin.values else { continue }
                let conditions = [lower.map { "\(column) >= \(writer.double($0))" }, upper.map { "\(column) < \(writer.double($0))" }].compactMap { $0 }
                branches.append("WHEN \(conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")) THEN \(characteristic.points[index])")
            }
            return "CASE " + branches.joined(separator: " ") + " END"
        }
        let text = writer.text(column)
        for (index, bin) in binning.bins.enumerated() {
            switch bin.values {
            case .categories(let labels), .specialCategories(let labels):
                branches.append("WHEN \(text) IN (\(labels.map(writer.string).joined(separator: ", "))) THEN \(characteristic.points[index])")
            default: continue
            }
        }
        let unseen = characteristic.unseenCategoryAsMissing ? missingPoints.map(String.init) ?? "NULL" : "NULL"
        return "CASE " + branches.joined(separator: " ") + " ELSE \(unseen) END"
    }

    private static func logisticQuery(_ model: LogisticModel, file: ModelFile, dialect: Dialect, writer: Writer, table: String, kept: [String]) throws(InterchangeError) -> String {
        var terms: [String] = []
        for feature in model.features {
            let column = writer.identifier(feature.name)
            switch feature.encoding {
            case .numeric(let coefficient, let missing):
                let value: String
                switch missing {
                case .impute(let replacement): value = "CASE WHEN \(writer.isMissing(column)) THEN \(writer.double(replacement)) ELSE \(column) END"
                case .reject: value = "CASE WHEN \(writer.isMissing(column)) THEN NULL ELSE \(column) END"
                }
                let guarded = writer.notNumber(column).map { "CASE WHEN \($0) AND NOT \(writer.isMissing(column)) THEN NULL ELSE \(value) END" } ?? value
                terms.append("\(writer.double(coefficient)) * (\(guarded))")
            case .categorical(_, let levels, let missing, let unknown):
                func coefficient(of policy: ModelFeature.CategoryPolicy) -> String {
                    guard case .level(let name) = policy, let level = levels.first(where: { $0.value == name }) else { return "NULL" }
                    return writer.double(level.coefficient)
                }
                let text = writer.text(column)
                var branches = ["WHEN \(writer.isMissing(column)) THEN \(coefficient(of: missing))"]
                for level in levels { branches.append("WHEN \(text) = \(writer.string(level.value)) THEN \(writer.double(level.coefficient))") }
                terms.append("CASE " + branches.joined(separator: " ") + " ELSE \(coefficient(of: unknown)) END")
            case .binned:
                throw .unsupported(path: "model.features[\(feature.name)]", detail: "binned features export as a scorecard")
            }
        }
        // 0 + intercept, then each feature in order: the same additions as CreditEngine's.
        var sql = "WITH credit_eta AS (\n  SELECT " + kept.map { $0 + ", " }.joined()
        sql += "((\(writer.double(0)) + \(writer.double(model.intercept)))" + terms.map { "\n      + " + $0 }.joined() + ") AS credit_eta\n  FROM \(table)\n)\n"
        sql += "SELECT " + kept.map { $0 + ", " }.joined()
        // σ(η) as CreditEngine computes it: 1 / (1 + e^−η) for η ≥ 0, e^η / (1 + e^η) below.
        if dialect == .postgresql {
            // PostgreSQL raises an error where exp underflows instead of giving 0: past the normal
            // range the PD is 1 (e^−η vanishes next to 1) or 0 (below 1e−307, written as 0).
            sql += "CASE WHEN credit_eta > 708 THEN 1.0 WHEN credit_eta >= 0 THEN 1.0 / (1.0 + exp(-credit_eta)) "
                + "WHEN credit_eta < -708 THEN 0.0 ELSE exp(credit_eta) / (1.0 + exp(credit_eta)) END AS probability_of_default,\n"
        } else {
            sql += "CASE WHEN credit_eta >= 0 THEN 1.0 / (1.0 + exp(-credit_eta)) ELSE exp(credit_eta) / (1.0 + exp(credit_eta)) END AS probability_of_default,\n"
        }
        sql += "  \(writer.double(file.scaling.baseScore)) + \(writer.double(file.scaling.factor)) * (-credit_eta - \(writer.double(Double.log(file.scaling.baseOdds)))) AS score\n"
        sql += "FROM credit_eta;\n"
        return sql
    }

    /// Literals and identifiers of one dialect.
    struct Writer {
        let dialect: Dialect

        func identifier(_ name: String) -> String {
            switch dialect {
            case .spark: return "`" + doubling("`", in: name) + "`"
            case .duckdb, .postgresql, .sqlite: return "\"" + doubling("\"", in: name) + "\""
            }
        }

        func string(_ text: String) -> String {
            let escaped = doubling("'", in: text)
            // Spark SQL reads backslash escapes in string literals.
            return "'" + (dialect == .spark ? doubling("\\", in: escaped) : escaped) + "'"
        }

        /// `text` with every `character` written twice.
        private func doubling(_ character: Character, in text: String) -> String {
            var out = ""
            for next in text {
                out.append(next)
                if next == character { out.append(next) }
            }
            return out
        }

        /// A double literal that reads back as exactly `value` (shortest round-trip digits).
        func double(_ value: Double) -> String {
            let digits = "\(value)"
            switch dialect {
            case .sqlite: return digits.contains(".") || digits.contains("e") ? digits : digits + ".0"
            case .postgresql: return "CAST('\(digits)' AS DOUBLE PRECISION)"
            case .duckdb, .spark: return "CAST('\(digits)' AS DOUBLE)"
            }
        }

        /// A missing value: `NULL` (and, in SQLite, where CSV imports leave them, an empty text).
        func isMissing(_ column: String) -> String {
            dialect == .sqlite ? "(\(column) IS NULL OR \(column) = '')" : "\(column) IS NULL"
        }

        /// Where a numeric column may hold a value that is not a number (SQLite's dynamic typing).
        func notNumber(_ column: String) -> String? {
            dialect == .sqlite ? "typeof(\(column)) NOT IN ('integer', 'real')" : nil
        }

        /// A column compared with category labels, as text.
        func text(_ column: String) -> String {
            switch dialect {
            case .postgresql, .duckdb: return "CAST(\(column) AS VARCHAR)"
            case .spark: return "CAST(\(column) AS STRING)"
            case .sqlite: return "CAST(\(column) AS TEXT)"
            }
        }
    }
}
