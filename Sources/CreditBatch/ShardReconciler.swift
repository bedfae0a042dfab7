import CreditCSV

/// One shard run as `credit shards reconcile` sees it: the summary file's name and its report.
public struct ShardRun: Sendable {
    /// The summary file, for messages.
    public var name: String
    /// What the run wrote with `--summary`.
    public var report: ScoringRunReport

    /// A shard run read from summary file `name`.
    public init(name: String, report: ScoringRunReport) {
        self.name = name
        self.report = report
    }
}

/// The verdict on a set of shard runs.
public struct ShardReconciliation: Sendable, Equatable {
    /// The shard count the runs were cut into (of the first run).
    public var shardCount = 0
    /// Data rows in the input, as every complete shard counts them.
    public var inputRows = 0
    /// Rows read, scored and rejected across the shards.
    public var rowsRead = 0
    public var rowsScored = 0
    public var rowsRejected = 0
    /// Everything that keeps the set from being the input scored exactly once, each naming the
    /// summary file concerned. Empty when the set reconciles.
    public var problems: [String] = []

    /// Whether the shards together scored every input row exactly once, with one model.
    public var reconciles: Bool { problems.isEmpty }
}

/// Checks that the shards of a sharded `credit score` run (`--shard i/n`, one process or
/// Kubernetes pod each) add up to one run over the whole input, and merges their outputs.
///
/// A set reconciles when every shard `1…n` is there exactly once, all were cut into the same
/// `n`, scored with the same model file (by SHA-256) and read the same input (by fingerprint),
/// each read its whole part (not stopped by `--max-rejects`, counts reconciling), each counts
/// the same number of input rows, and each read exactly the rows that fall to it, so together
/// they read every input row once.
public enum ShardReconciler {
    /// The verdict on `runs`.
    public static func reconcile(_ runs: [ShardRun]) -> ShardReconciliation {
        var verdict = ShardReconciliation()
        guard let first = runs.first else {
            verdict.problems.append("no shard summaries")
            return verdict
        }
        let reference = first.report
        verdict.shardCount = reference.summary.shard?.count ?? 0
        verdict.inputRows = inputRows(of: reference.summary)
        // Shards of the first run's count, by index; a run cut into another count is a problem of its own.
        var byIndex: [Int: [String]] = [:]
        for run in runs {
            let summary = run.report.summary
            verdict.rowsRead += summary.rowsRead + summary.rowsAlreadyStored
            verdict.rowsScored += summary.rowsScored
            verdict.rowsRejected += summary.rowsRejected
            guard let shard = summary.shard else {
                verdict.problems.append("\(run.name): not a sharded run (no --shard)")
                continue
            }
            if shard.count == verdict.shardCount { byIndex[shard.index, default: []].append(run.name) }
            if let stopped = run.report.stoppedBecause { verdict.problems.append("\(run.name): shard \(shard) stopped early: \(stopped)") }
            if !summary.reconciles {
                verdict.problems.append("\(run.name): shard \(shard) counts do not reconcile (read \(summary.rowsRead), scored \(summary.rowsScored), rejected \(summary.rowsRejected))")
            }
        }
        for run in runs.dropFirst() {
            let report = run.report
            if let shard = report.summary.shard, shard.count != verdict.shardCount {
                verdict.problems.append("\(run.name): cut into \(shard.count) shards, \(first.name) into \(verdict.shardCount)")
            }
            if report.modelSHA256 != reference.modelSHA256 || report.summary.model != reference.summary.model {
                verdict.problems.append(
                    "\(run.name): scored with model \(report.summary.model) (sha256 \(report.modelSHA256)), \(first.name) with \(reference.summary.model) (sha256 \(reference.modelSHA256))")
            }
            if report.input.kind != reference.input.kind || report.input.fingerprint != reference.input.fingerprint {
                verdict.problems.append("\(run.name): read another input than \(first.name) (\(report.input.name): \(report.input.fingerprint); \(reference.input.name): \(reference.input.fingerprint))")
            }
            if inputRows(of: report.summary) != verdict.inputRows {
                verdict.problems.append("\(run.name): counts \(inputRows(of: report.summary)) input rows, \(first.name) counts \(verdict.inputRows)")
            }
        }
        if reference.input.fingerprint == "standard input" {
            verdict.problems.append("\(first.name): read standard input, which cannot be checked to be the same input in every shard")
        }
        for (index, names) in byIndex.sorted(by: { $0.key < $1.key }) where names.count > 1 {
            verdict.problems.append("shard \(index)/\(verdict.shardCount) appears \(names.count) times: \(names.joined(separator: ", "))")
        }
        if verdict.shardCount > 0 {
            let missing = (1...verdict.shardCount).filter { byIndex[$0] == nil }
            if !missing.isEmpty {
                verdict.problems.append("missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(verdict.shardCount)" }.joined(separator: ", "))")
            }
        }
        for run in runs {
            guard let shard = run.report.summary.shard, shard.count == verdict.shardCount else { continue }
            let read = run.report.summary.rowsRead + run.report.summary.rowsAlreadyStored
            let expected = rowCount(of: shard, inputRows: verdict.inputRows)
            // Only meaningful for a CSV input, whose rows are numbered 1…N; a SQLite input's rowids need not be dense.
            if run.report.input.kind == "csv", read != expected {
                verdict.problems.append("\(run.name): shard \(shard) read \(read) rows, but \(expected) of the \(verdict.inputRows) input rows fall to it")
            }
        }
        if verdict.problems.isEmpty, verdict.rowsRead != verdict.inputRows {
            verdict.problems.append("the shards read \(verdict.rowsRead) rows in all, the input has \(verdict.inputRows)")
        }
        return verdict
    }

    /// Merges the CSV outputs (scores and rejects) of a reconciled set into one scores file and
    /// one rejects file in input order: byte for byte what one unsharded run writes. `runs`'
    /// outputs must name the files as they can be opened now.
    /// - Throws: ``BatchError/shardsNotMergeable(_:)`` when the set does not reconcile, an output is
    ///   not a CSV file, or a shard file disagrees with its summary; CSV errors when a file cannot
    ///   be read or written. When it throws, nothing is written under the names `scores` and
    ///   `rejects` (only their `.partial` files).
    public static func merge(_ runs: [ShardRun], scores: String, rejects: String) throws(BatchError) -> ShardReconciliation {
        let verdict = reconcile(runs)
        guard verdict.reconciles else { throw .shardsNotMergeable(verdict.problems.joined(separator: "; ")) }
        var parts: [(run: ShardRun, scores: String, rejects: String, rejectedPositions: [Int])] = []
        for run in runs.sorted(by: { ($0.report.summary.shard?.index ?? 0) < ($1.report.summary.shard?.index ?? 0) }) {
            guard run.report.input.kind == "csv" else {
                throw .shardsNotMergeable("\(run.name): the input is a SQLite table; merge orders rows by CSV row number (SQLite outputs need no merge)")
            }
            guard case .csv(let scores, let rejects) = run.report.output, scores != "-", rejects != "-" else {
                throw .shardsNotMergeable("\(run.name): the output is not a CSV file (standard output or SQLite cannot be merged)")
            }
            guard let positions = run.report.summary.rejectedShardPositions, positions.count == run.report.summary.rowsRejected else {
                throw .shardsNotMergeable("\(run.name): the summary does not list its rejected rows")
            }
            parts.append((run, scores, rejects, positions))
        }
        do {
            try DistinctFiles.check(inputs: parts.flatMap { [$0.scores, $0.rejects] }, outputs: [scores, rejects])
            let shards = try parts.map { part throws(CSVError) in
                try ShardFiles(name: part.run.name, scores: part.scores, rejects: part.rejects, rejectedPositions: part.rejectedPositions)
            }
            let scoresOut = try CSVWriter(path: scores)
            let rejectsOut = try CSVWriter(path: rejects)
            for (index, shard) in shards.enumerated().dropFirst() where shard.scoresHeader != shards[0].scoresHeader || shard.rejectsHeader != shards[0].rejectsHeader {
                throw BatchError.shardsNotMergeable("\(parts[index].run.name): its output columns differ from \(parts[0].run.name)'s")
            }
            try scoresOut.write(record: shards[0].scoresHeader)
            try rejectsOut.write(record: shards[0].rejectsHeader)
            let count = verdict.shardCount
            for row in 0..<verdict.inputRows {
                let shard = shards[row % count]
                if shard.nextRowIsRejected(position: row / count + 1) {
                    try rejectsOut.write(record: try shard.nextReject())
                } else {
                    try scoresOut.write(record: try shard.nextScore())
                }
            }
            for shard in shards { try shard.checkExhausted() }
            try scoresOut.commit()
            try rejectsOut.commit()
        } catch let error as BatchError {
            throw error
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        return verdict
    }

    /// The input's data rows as `summary` counts them: its own, other shards' and already stored.
    private static func inputRows(of summary: ScoringSummary) -> Int {
        summary.rowsRead + summary.rowsInOtherShards + summary.rowsAlreadyStored
    }

    /// How many of rows `1…inputRows` fall to `shard` (row `r` goes to shard `(r - 1) mod n + 1`).
    static func rowCount(of shard: Shard, inputRows: Int) -> Int {
        inputRows >= shard.index ? (inputRows - shard.index) / shard.count + 1 : 0
    }
}

/// The open scores and rejects files of one shard, read in step with the merge.
private final class ShardFiles {
    let name: String
    let scores: CSVReader
    let rejects: CSVReader
    let scoresHeader: [String]
    let rejectsHeader: [String]
    private let rejectedPositions: [Int]
    private var nextRejected = 0

    init(name: String, scores: String, rejects: String, rejectedPositions: [Int]) throws(CSVError) {
        self.name = name
        self.scores = CSVReader(source: try FileByteSource(path: scores))
        self.rejects = CSVReader(source: try FileByteSource(path: rejects))
        self.rejectedPositions = rejectedPositions
        guard try self.scores.readRecord() else { throw .emptyInput(source: self.scores.sourceName) }
        scoresHeader = Self.fields(self.scores.record)
        guard try self.rejects.readRecord() else { throw .emptyInput(source: self.rejects.sourceName) }
        rejectsHeader = Self.fields(self.rejects.record)
    }

    /// Whether this shard's row at 1-based `position` was rejected.
    func nextRowIsRejected(position: Int) -> Bool {
        guard nextRejected < rejectedPositions.count, rejectedPositions[nextRejected] == position else { return false }
        nextRejected += 1
        return true
    }

    func nextScore() throws -> [String] {
        guard try scores.readRecord() else {
            throw BatchError.shardsNotMergeable("\(name): \(scores.sourceName) has fewer rows than its summary counts")
        }
        return Self.fields(scores.record)
    }

    func nextReject() throws -> [String] {
        guard try rejects.readRecord() else {
            throw BatchError.shardsNotMergeable("\(name): \(rejects.sourceName) has fewer rows than its summary counts")
        }
        return Self.fields(rejects.record)
    }

    /// - Throws: when a file holds more rows than the summary counts.
    func checkExhausted() throws {
        if try scores.readRecord() { throw BatchError.shardsNotMergeable("\(name): \(scores.sourceName) has more rows than its summary counts") }
        if try rejects.readRecord() { throw BatchError.shardsNotMergeable("\(name): \(rejects.sourceName) has more rows than its summary counts") }
    }

    private static func fields(_ record: CSVRecord) -> [String] {
        (0..<record.fieldCount).map { record.string(at: $0) }
    }
}
