import ArgumentParser
import CreditBatch
import CreditCSV
import CreditEngine
import Foundation

/// `credit score`: score a CSV file with a model file.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV file: probability of default and score per row, rejects explained.",
        discussion: """
            Columns are matched to model features by header name. Rows that cannot be scored go \
            to the rejects file with their line, field and reason; counts always reconcile: \
            read = scored + rejected. Blocks of rows are scored in parallel on all cores; the \
            output keeps the input order.
            """
    )

    @Option(name: .long, help: "Model file (model.json).") var model: String
    @Option(name: .long, help: "Input CSV file, or - for standard input.") var data: String?
    @Option(name: .long, help: "Read applications from this SQLite database (with --table).") var fromSqlite: String?
    @Option(name: .long, help: "Output CSV file, or - for standard output.") var out: String?
    @Option(name: .long, help: "Write scores to this SQLite database: table --out-table (or --table) and its _rejects table; re-running resumes.")
    var toSqlite: String?
    @Option(name: .long, help: "SQLite table to read (--from-sqlite) or write (--to-sqlite).") var table: String?
    @Option(name: .long, help: "SQLite table to write, when it differs from --table.") var outTable: String?
    @Option(name: .long, help: "Rejects CSV file (default: OUT.rejects.csv, or rejects.csv for standard output).")
    var rejects: String?
    @Option(name: .long, help: "Input columns to copy to the output (default: id if present, else the line number).")
    var keep: ColumnList?
    @Option(name: .long, help: "Stop with exit code 65 once more rows than this are rejected.") var maxRejects: Int?
    @Option(name: .long, help: "Reason-code columns after the score (scorecard models).") var reasons = 0
    @Option(name: .long, help: "Field delimiter of the input CSV (one ASCII character, e.g. ';' or a tab written as '\\t').")
    var delimiter = ","
    @Option(name: .long, help: "Score only part i of n of the rows (i/n, 1-based), for n parallel processes.")
    var shard: ShardArgument?
    @Option(name: .long, help: "Write the run summary as JSON to this file.") var summary: String?
    @Flag(name: .long, help: "No progress line, even on a terminal.") var quiet = false

    func validate() throws {
        if let maxRejects, maxRejects < 0 { throw ValidationError("--max-rejects must be >= 0") }
        if reasons < 0 || reasons > 20 { throw ValidationError("--reasons must be in 0...20") }
        guard delimiterByte != nil else { throw ValidationError("--delimiter must be one ASCII character other than a quote or line break") }
        guard (data == nil) != (fromSqlite == nil) else { throw ValidationError("give exactly one of --data and --from-sqlite") }
        guard (out == nil) != (toSqlite == nil) else { throw ValidationError("give exactly one of --out and --to-sqlite") }
        if fromSqlite != nil, table == nil { throw ValidationError("--from-sqlite needs --table") }
        if toSqlite != nil, (outTable ?? table) == nil { throw ValidationError("--to-sqlite needs --out-table or --table") }
        if toSqlite != nil, rejects != nil { throw ValidationError("--rejects is for CSV output; SQLite output writes TABLE_rejects") }
    }

    /// The delimiter as a byte, if it is one usable ASCII character.
    private var delimiterByte: UInt8? {
        let text = delimiter == "\\t" ? "\t" : delimiter
        guard text.utf8.count == 1, let byte = text.utf8.first, byte < 0x80, byte != 0x22, byte != 0x0A, byte != 0x0D else { return nil }
        return byte
    }

    /// The input named by the flags (checked in `validate()`).
    private var input: ScoringInput {
        if let fromSqlite, let table { return .sqlite(path: fromSqlite, table: table) }
        return .csv(path: data ?? "-")
    }

    /// Every file the job reads.
    private var inputPaths: [String] { [model, data ?? fromSqlite ?? "-"] }

    /// Every file the job writes.
    private var outputPaths: [String] {
        let written: [String]
        switch output {
        case .csv(let path, let rejects): written = [path, rejects]
        case .sqlite(let path, _): written = [path]
        }
        return written + (summary.map { [$0] } ?? [])
    }

    /// The output named by the flags (checked in `validate()`).
    private var output: ScoringOutput {
        if let toSqlite { return .sqlite(path: toSqlite, table: outTable ?? table ?? "scores") }
        let path = out ?? "-"
        return .csv(path: path, rejects: rejects ?? (path == "-" ? "rejects.csv" : path + ".rejects.csv"))
    }

    func run() async throws {
        try reportingErrors { try DistinctFiles.check(inputs: inputPaths, outputs: outputPaths) }
        let started = Date()
        let progress = ProgressLine(enabled: !quiet, totalBytes: data.flatMap { $0 == "-" ? nil : fileSize($0) }, started: started)
        var options = ScoringJobOptions(input: input, output: output)
        (options.keep, options.maxRejects, options.shard, options.reasons) = (keep?.names, maxRejects, shard?.shard, reasons)
        options.csv.delimiter = delimiterByte ?? UInt8(ascii: ",")
        let bundle = try reportingErrors { try ModelFileLoader.load(path: model) }
        let result: ScoringSummary
        do {
            result = try await ScoringJob.run(bundle: bundle, options: options) { progress.update($0) }
        } catch let BatchError.tooManyRejects(limit, partial) {
            progress.finish()
            let exitCode = reportedExitCode(for: BatchError.tooManyRejects(limit: limit, summary: partial))
            try writeSummary(partial, bundle: bundle, started: started, stopped: "more than \(limit) rows rejected")
            throw exitCode
        } catch {
            progress.finish()
            throw reportedExitCode(for: error)
        }
        progress.finish()
        let shardText = result.shard.map { " (shard \($0), \(result.rowsInOtherShards) rows in other shards)" } ?? ""
        let resumeText = result.resumedAfterRow.map { " (resumed after row \($0): \(result.rowsAlreadyStored) rows already stored)" } ?? ""
        printError("\(result.source): read \(result.rowsRead), scored \(result.rowsScored), rejected \(result.rowsRejected)\(shardText)\(resumeText)")
        try writeSummary(result, bundle: bundle, started: started, stopped: nil)
    }

    /// Writes `--summary`, after the outcome was printed; a summary that cannot be written exits 74.
    private func writeSummary(_ result: ScoringSummary, bundle: ModelBundle, started: Date, stopped: String?) throws {
        guard let summary else { return }
        let report = ScoringRunReport(
            summary: result, input: input, output: output, bundle: bundle, elapsedSeconds: Date().timeIntervalSince(started),
            stoppedBecause: stopped)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(report).write(to: URL(fileURLWithPath: summary), options: .atomic)
        } catch {
            printError("cannot write the summary '\(summary)': \((error as NSError).localizedFailureReason ?? "write failed")")
            throw ExitStatus.ioError
        }
    }
}

/// The size of the file at `path`, if it can be read.
func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
}

/// A progress line on standard error (rows, rows/s, ETA), only when standard error is a
/// terminal, redrawn at most twice a second.
final class ProgressLine {
    private let enabled: Bool
    private let totalBytes: Int?
    private let started: Date
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool, totalBytes: Int?, started: Date) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        self.totalBytes = totalBytes
        self.started = started
    }

    func update(_ summary: ScoringSummary) {
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = Date()
        let elapsed = max(lastDraw.timeIntervalSince(started), 1e-3)
        let rows = summary.rowsRead + summary.rowsInOtherShards
        var text = "\r\(rows) rows, \(Int(Double(rows) / elapsed)) rows/s"
        if let totalBytes, summary.bytesRead > 0 {
            let remaining = elapsed * Double(totalBytes - summary.bytesRead) / Double(summary.bytesRead)
            text += ", ETA \(Int(remaining.rounded()))s   "
        }
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
