import ArgumentParser
import CreditBatch
import CreditEngine
import Foundation

/// `credit rules`: check, seal and test policy files.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check, seal and test policy (rule set) files.",
        subcommands: [Check.self, Seal.self, Test.self, Run.self, ImportJDM.self]
    )

    /// `credit rules check FILE…`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and type-check policy files, verify their digests, and report decision-table gaps and overlaps.",
            discussion: """
                Exits with status 65 when a file does not load, or when a table has a gap or (under \
                the unique hit policy) an overlap for present inputs. Gaps that need a missing input \
                are listed but do not fail the check: the engine refers such applications.
                """)

        @Argument(help: "Policy files.") var files: [String]
        @Option(name: .long, help: "Cases of each kind to list per table.") var limit = 10

        func run() throws {
            var failed = false
            for path in files {
                do {
                    let policy = try PolicyFileLoader.load(path: path)
                    print("ok \(policy.reference) \(policy.file.contentSHA256 ?? "") (\(policy.rules.count) rules, "
                        + "\(policy.tables.count) tables, \(policy.bureaus.count) bureaus)")
                    for report in policy.checkTables(limit: limit) {
                        if let reason = report.notChecked {
                            print("  table \(report.table): not checked exhaustively: \(reason)")
                            continue
                        }
                        let present = report.findings.filter { !$0.involvesMissing }
                        print("  table \(report.table): \(report.casesChecked) cases, \(report.gapCount) gaps, \(report.overlapCount) overlaps")
                        for finding in report.findings { print("    \(finding)") }
                        failed = failed || !present.isEmpty
                    }
                } catch {
                    printError("\(error)")
                    failed = true
                }
            }
            if failed { throw ExitStatus.dataError }
        }
    }

    /// `credit rules seal FILE`
    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a policy file and write its content digest (contentSHA256) into it.")

        @Argument(help: "Policy file, rewritten in place.") var file: String

        func run() throws {
            let name = DocumentFile.name(of: file)
            let sealed = try reportingErrors {
                let decoded = try JSONDecoder().decode(PolicyFile.self, from: try DocumentFile.read(path: file))
                var sealed = decoded
                _ = try Policy(file: decoded, source: name)
                sealed.contentSHA256 = try Policy.digest(of: decoded, source: name)
                return sealed
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(sealed).write(to: URL(fileURLWithPath: file))
            print("sealed \(sealed.policyId)@\(sealed.policyVersion) \(sealed.contentSHA256 ?? "")")
        }
    }

    /// `credit rules test`
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a policy and model against a CSV of cases with expected outcomes.",
            discussion: """
                Each row is an application plus `expected_decision` (approve, refer, decline or \
                reject) and optionally `expected_rules` (rule ids hit, joined by ';'), \
                `expected_reasons` (the first reason codes, in order) and `case` (a name). Exits with status 65 \
                if any case fails.
                """)

        @Option(name: .long, help: "Model file.") var model: String
        @Option(name: .long, help: "Policy file.") var policy: String
        @Option(name: .long, help: "Cases CSV.") var cases: String
        @Option(name: .long, help: "Decide every case as of this date (YYYY-MM-DD) instead of its date column.") var asOf: String?

        func run() throws {
            let day = try asOf.map(parseDay)
            let result = try reportingErrors {
                let engine = RiskEngine(model: try ModelFileLoader.load(path: model), policy: try PolicyFileLoader.load(path: policy))
                var options = DecisionJobOptions(input: cases, output: "-", rejects: "-")
                options.asOf = day
                return try DecisionJob.test(engine: engine, options: options)
            }
            for failure in result.failures { print("FAIL \(failure)") }
            print("\(result.cases - result.failures.count) of \(result.cases) cases pass")
            if !result.failures.isEmpty { throw ExitStatus.dataError }
        }
    }
}

/// Parses a `YYYY-MM-DD` option value.
func parseDay(_ text: String) throws -> CalendarDay {
    guard text.utf8.count == 10, let day = CalendarDay(iso: text) else { throw ValidationError("'\(text)' is not a date YYYY-MM-DD") }
    return day
}
