import ArgumentParser
import CreditBatch
import Foundation

/// `credit models`: the registry of versioned models and policies under `models/`.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, show and validate the versioned models and policies under models/<id>/<version>/.",
        subcommands: [List.self, Show.self, Validate.self])

    struct Options: ParsableArguments {
        @Option(name: .long, help: "Registry root.") var root = "models"
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per version: id, version, kind, status, digest.")
        @OptionGroup var options: Options

        func run() {
            for entry in ModelRegistry.scan(root: options.root) {
                let digest = entry.sha256.map { String($0.prefix(12)) } ?? "DOES NOT LOAD"
                print(pad(entry.id, 30) + pad(entry.version, 9) + pad(entry.kind, 20) + pad(entry.status, 10) + digest)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Details of one model or policy: ID or ID@VERSION (default: the highest version).")
        @OptionGroup var options: Options
        @Argument(help: "ID or ID@VERSION.") var reference: String

        func run() throws {
            let parts = reference.split(separator: "@").map(String.init)
            let candidates = ModelRegistry.scan(root: options.root).filter { $0.id == parts[0] && (parts.count == 1 || $0.version == parts[1]) }
            guard let entry = candidates.max(by: { versionOrder($0.version).lexicographicallyPrecedes(versionOrder($1.version)) }) else {
                printError("no model or policy \(reference) under \(options.root)")
                throw ExitStatus.dataError
            }
            print("\(entry.id)@\(entry.version)\n  kind      \(entry.kind)\n  status    \(entry.status)\n  file      \(entry.path)")
            print("  sha256    \(entry.sha256 ?? "does not load")")
            if let training = entry.training { print("  training  \(training.data): \(training.rows) rows, \(training.events) events") }
            for problem in entry.problems { print("  PROBLEM   \(problem)") }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every registered file loads, its digest matches, it sits in its own id/version folder, and a model's examples score as recorded.")
        @OptionGroup var options: Options

        func run() throws {
            let entries = ModelRegistry.scan(root: options.root)
            var failed = entries.isEmpty
            for entry in entries {
                if entry.problems.isEmpty {
                    print("ok \(entry.id)@\(entry.version) (\(entry.kind), \(entry.status))")
                } else {
                    failed = true
                    for problem in entry.problems { printError("\(entry.id)@\(entry.version): \(problem)") }
                }
            }
            if failed { throw ExitStatus.dataError }
        }
    }
}

/// Semantic versions compared by their numbers.
private func versionOrder(_ version: String) -> [Int] { version.split(separator: ".").map { Int($0) ?? 0 } }
