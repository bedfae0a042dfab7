import ArgumentParser
import CreditBatch
import CreditCSV
import CreditEngine
import CreditInterchange
import CreditSQLite
import CreditStore
import Foundation

/// Exit codes (sysexits.h): 64 usage, 65 bad data, 66 input missing, 70 internal, 73 output
/// cannot be created, 74 I/O.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let internalError = ExitCode(70)
    static let cannotCreate = ExitCode(73)
    static let ioError = ExitCode(74)
}

/// Prints `message` to standard error as `credit: message`.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("credit: \(message)\n".utf8))
}

/// Prints `error` and returns the exit code it maps to.
func reportedExitCode(for error: any Error) -> ExitCode {
    printError("\(error)")
    switch error {
    case let error as BatchError:
        if case .csv(let csv) = error { return exitCode(csv) }
        if case .sqlite(let sqlite) = error { return exitCode(sqlite) }
        return ExitStatus.dataError
    case let error as CSVError:
        return exitCode(error)
    case is ModelLoadError, is PolicyLoadError, is StoreError, is JDMImport.Failure, is DecodingError, is FitError, is MetricError, is RecordError, is ConfigurationError, is InterchangeError:
        return ExitStatus.dataError
    default:
        return ExitStatus.internalError
    }
}

private func exitCode(_ error: SQLiteError) -> ExitCode {
    switch error.kind {
    case .inputMissing: return ExitStatus.noInput
    case .cannotCreate: return ExitStatus.cannotCreate
    case .ioFailure: return ExitStatus.ioError
    case .content: return ExitStatus.dataError
    }
}

private func exitCode(_ error: CSVError) -> ExitCode {
    switch error {
    case .cannotOpen: return ExitStatus.noInput
    case .cannotCreate: return ExitStatus.cannotCreate
    case .sameFile: return ExitStatus.usage
    case .readFailed, .writeFailed: return ExitStatus.ioError
    default: return ExitStatus.dataError
    }
}

/// Runs `body`, turning thrown errors into a printed message and an exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw reportedExitCode(for: error)
    }
}

/// Runs async `body`, turning thrown errors into a printed message and an exit code.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw reportedExitCode(for: error)
    }
}

/// A comma-separated list flag (`--keep id,branch`).
struct ColumnList: ExpressibleByArgument {
    var names: [String]

    init?(argument: String) {
        names = argument.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        if names.isEmpty { return nil }
    }
}

/// A `--shard i/n` flag.
struct ShardArgument: ExpressibleByArgument {
    var shard: Shard

    init?(argument: String) {
        guard let shard = Shard(argument) else { return nil }
        self.shard = shard
    }
}
