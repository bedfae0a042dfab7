import ArgumentParser
import CreditBatch
import CreditCore
import Foundation

/// `credit shards`: check and merge the parts of a sharded scoring run.
struct ShardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards", abstract: "Check and merge the parts of a sharded scoring run.", subcommands: [Reconcile.self])

    struct Reconcile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that shard summaries add up to one run over the whole input; optionally merge the outputs.",
            discussion: """
                Reads every *.json summary (credit score --shard i/n --summary FILE) in --summaries and \
                checks: every shard 1…n present exactly once, one shard count, one model file (by \
                SHA-256), one input (by fingerprint), every shard complete (not stopped by \
                --max-rejects), and each shard read exactly the rows that fall to it, so the shards \
                together read every input row once. Exits 65 naming each problem. With --merge, the \
                shards' CSV outputs are merged in input order into one scores file and one rejects \
                file, byte for byte what an unsharded run writes. A shard's output is opened at the \
                path its summary records, or, when that does not exist, by its file name next to the \
                summary.
                """)

        @Option(name: .long, help: "Directory holding the shards' --summary files (*.json).") var summaries: String
        @Option(name: .long, help: "Merge the shards' CSV outputs into this scores file.") var merge: String?
        @Option(name: .long, help: "Rejects file of the merge (default: MERGE.rejects.csv).") var rejects: String?

        func validate() throws {
            if rejects != nil, merge == nil { throw ValidationError("--rejects needs --merge") }
            if merge == "-" || rejects == "-" { throw ValidationError("--merge and --rejects name files") }
        }

        func run() throws {
            let runs = try readRuns()
            if let merge {
                let verdict = try reportingErrors {
                    try ShardReconciler.merge(runs.map(locatingOutputs), scores: merge, rejects: rejects ?? merge + ".rejects.csv")
                }
                print(line(for: verdict) + "; merged into \(merge)")
                return
            }
            let verdict = ShardReconciler.reconcile(runs)
            guard verdict.reconciles else {
                for problem in verdict.problems { printError(problem) }
                printError("the shards do not reconcile: \(verdict.problems.count) problem\(verdict.problems.count == 1 ? "" : "s")")
                throw ExitStatus.dataError
            }
            print(line(for: verdict))
        }

        private func line(for verdict: ShardReconciliation) -> String {
            "\(verdict.shardCount) shards reconcile: \(verdict.inputRows) input rows, read \(verdict.rowsRead), "
                + "scored \(verdict.rowsScored), rejected \(verdict.rowsRejected)"
        }

        /// Every summary in the directory, in name order.
        private func readRuns() throws -> [ShardRun] {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: summaries).filter { $0.hasSuffix(".json") }.sorted()
            } catch {
                printError("cannot read the summaries directory '\(summaries)'")
                throw ExitStatus.noInput
            }
            guard !names.isEmpty else {
                printError("no *.json summaries in '\(summaries)'")
                throw ExitStatus.noInput
            }
            return try names.map { name in
                let path = (summaries as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path) else {
                    printError("\(name): cannot be read")
                    throw ExitStatus.noInput
                }
                do {
                    return ShardRun(name: name, report: try JSONDecoder().decode(ScoringRunReport.self, from: data))
                } catch let error as DecodingError {
                    let problem = DecodingProblem(error)
                    printError("\(name): not a credit score --summary file (\(problem.path.isEmpty ? "document" : problem.path) \(problem.problem))")
                    throw ExitStatus.dataError
                }
            }
        }

        /// `run` with its output paths as they can be opened now: as recorded, or next to the summary.
        private func locatingOutputs(_ run: ShardRun) -> ShardRun {
            guard case .csv(let scores, let rejects) = run.report.output else { return run }
            func located(_ path: String) -> String {
                if path == "-" || FileManager.default.fileExists(atPath: path) { return path }
                let beside = (summaries as NSString).appendingPathComponent((path as NSString).lastPathComponent)
                return FileManager.default.fileExists(atPath: beside) ? beside : path
            }
            var moved = run
            moved.report.output = .csv(path: located(scores), rejects: located(rejects))
            return moved
        }
    }
}
