import ArgumentParser
import CreditBatch
import CreditCSV
import CreditEngine
import Foundation

extension RulesCommand {
    /// `credit rules run`
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a policy's rules alone (no model, bureaus or tables) to a CSV: a knock-out pre-screen.",
            discussion: """
                Output: the kept columns, `outcome` (decline, refer, flag or pass: the most severe \
                rule hit) and `rule_hits`. Rules reading fields the file lacks follow their ifMissing \
                policy. Rows with a value of the wrong type go to the rejects file.
                """)

        @Option(name: .long, help: "Policy file.") var policy: String
        @Option(name: .long, help: "Applications CSV, or - for standard input.") var data: String
        @Option(name: .long, help: "Output CSV, or - for standard output.") var out: String
        @Option(name: .long, help: "Rejects CSV (default: <out>.rejects.csv).") var rejects: String?
        @Option(name: .long, help: "Application date for the rules' effective dates (YYYY-MM-DD).") var asOf: String
        @Option(name: .long, help: "Input columns to copy to the output (comma-separated).") var keep: String?
        @Flag(name: .long, help: "Do not print the summary.") var quiet = false

        func run() throws {
            let day = try parseDay(asOf)
            let rejectsPath = rejects ?? (out == "-" ? "credit-rules.rejects.csv" : "\(out).rejects.csv")
            let summary = try reportingErrors {
                try DistinctFiles.check(inputs: [policy, data], outputs: [out, rejectsPath])
                return try RuleScreenJob.run(
                    policy: try PolicyFileLoader.load(path: policy), input: data, output: out,
                    rejects: rejectsPath, asOf: day,
                    keep: keep.map { $0.split(separator: ",").map(String.init) } ?? [])
            }
            if !quiet {
                let outcomes = ["decline", "refer", "flag", "pass"].map { "\($0) \(summary.outcomes[$0] ?? 0)" }.joined(separator: ", ")
                printError("\(summary.policy) on \(summary.source): \(summary.rowsRead) rows read, \(summary.rowsScreened) screened "
                    + "(\(outcomes)), \(summary.rowsRejected) rejected")
            }
        }
    }

    /// `credit rules import-jdm`
    struct ImportJDM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-jdm",
            abstract: "Convert the decision tables of a GoRules JDM file into policy-file tables (printed as JSON).",
            discussion: """
                Paste the printed tables into a policy's "tables" and seal it with `credit rules seal`; \
                `credit rules check` then type-checks them against the policy's inputs.
                """)

        @Argument(help: "JDM file saved by the GoRules editor.") var file: String

        func run() throws {
            let tables = try reportingErrors { try JDMImport.tables(from: try DocumentFile.read(path: file)) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(tables), as: UTF8.self))
        }
    }
}
