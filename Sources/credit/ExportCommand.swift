import ArgumentParser
import CreditBatch
import CreditCSV
import CreditEngine
import CreditInterchange
import Foundation

/// `credit export`: a model file as PMML 4.4 or as SQL.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model as PMML 4.4 (for jpmml-evaluator, Spark, PMML platforms) or as one SQL SELECT (DuckDB, PostgreSQL, Spark SQL, SQLite).",
        discussion: """
            PMML: a RegressionModel (logistic models) or a Scorecard with reason codes (scorecards), \
            the missing and unseen-value policies in the MiningSchema, outputs probability_of_default, \
            score and reason_1…reason_4, and the model's examples as ModelVerification. SQL: a SELECT \
            over --table giving the --keep columns, probability_of_default, score and (scorecards) \
            reason_1…reason_4; rows the model rejects get NULL. Both score as credit score does.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case pmml, sql }

    @Option(name: .long, help: "Model file (model.json).") var model: String
    @Option(name: .long, help: "pmml or sql.") var format: Format
    @Option(name: .long, help: "SQL dialect: duckdb, postgresql, spark or sqlite.") var dialect: String?
    @Option(name: .long, help: "SQL: the table of applications.") var table = "applications"
    @Option(name: .long, help: "SQL: columns copied to the result before the scores (default: id).") var keep: ColumnList?
    @Option(name: .long, help: "Output file, or - for standard output.") var out: String

    func validate() throws {
        if format == .sql {
            guard let dialect, SQLExporter.Dialect(rawValue: dialect) != nil else {
                throw ValidationError("--format sql needs --dialect duckdb, postgresql, spark or sqlite")
            }
        } else if dialect != nil || keep != nil {
            throw ValidationError("--dialect and --keep are for --format sql")
        }
    }

    func run() throws {
        try reportingErrors { try DistinctFiles.check(inputs: [model], outputs: [out]) }
        let bundle = try reportingErrors { try ModelFileLoader.load(path: model) }
        let text = try reportingErrors { () throws -> String in
            switch format {
            case .pmml: return try PMMLExporter.document(for: bundle.file)
            case .sql:
                return try SQLExporter.query(
                    for: bundle.file, dialect: SQLExporter.Dialect(rawValue: dialect ?? "")!, table: table, keep: keep?.names ?? ["id"])
            }
        }
        if out == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            printError("cannot write '\(out)'")
            throw ExitStatus.cannotCreate
        }
    }
}
