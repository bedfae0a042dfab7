import ArgumentParser
import CreditBatch
import CreditEngine

/// `credit model`: inspect and validate model files.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect and validate model files.",
        subcommands: [Validate.self]
    )

    /// `credit model validate FILE…`: every file loads, its digest matches and its examples score as recorded.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check model files: schema, consistency, content digest, and recorded examples.")

        @Argument(help: "Model files.") var files: [String]

        func run() throws {
            var failed = false
            for path in files {
                do {
                    let bundle = try ModelFileLoader.load(path: path)
                    let failures = bundle.failingExamples()
                    for failure in failures { printError("\(path): examples[\(failure.index)]: \(failure.problem)") }
                    failed = failed || !failures.isEmpty
                    if failures.isEmpty { print("ok \(bundle.reference) \(bundle.contentSHA256) (\(bundle.file.examples.count) examples)") }
                } catch {
                    printError("\(error)")
                    failed = true
                }
            }
            if failed { throw ExitStatus.dataError }
        }
    }
}
