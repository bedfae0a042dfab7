import ArgumentParser
import CreditCSV
import CreditEngine
import CreditInterchange
import Foundation

/// `credit import`: a PMML model into a sealed CreditEngine model file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a PMML logistic regression or scorecard into a sealed model file.",
        discussion: """
            Reads what round-trips: a classification RegressionModel with the logit link (or the \
            exporter's MiningModel chain), and a Scorecard with integer points, isMissing / equal / \
            interval predicates and pointsBelow reason codes. Anything else is refused with the \
            element path named. A PMML written by credit export carries the model's id, version, \
            target and scaling; for another tool's PMML give --model-id and --model-version. The \
            model's ModelVerification rows become its examples, checked on import.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case pmml }

    @Option(name: .long, help: "pmml.") var format: Format
    @Option(name: .customLong("in"), help: "The PMML file.") var input: String
    @Option(name: .long, help: "Model file to write.") var out: String
    @Option(name: .long, help: "Model id (default: from the PMML's CreditEngine metadata).") var modelId: String?
    @Option(name: .long, help: "Model version (default: from the PMML's CreditEngine metadata).") var modelVersion: String?

    func run() throws {
        try reportingErrors { try DistinctFiles.check(inputs: [input], outputs: [out]) }
        guard let data = FileManager.default.contents(atPath: input) else {
            printError("cannot read '\(input)'")
            throw ExitStatus.noInput
        }
        let file = try reportingErrors { try PMMLImporter.modelFile(from: data, modelId: modelId, modelVersion: modelVersion) }
        let json = try reportingErrors { try file.prettyJSON() }
        // Load it as every model file is loaded: schema, consistency, digest; then its examples.
        let bundle = try reportingErrors { try ModelBundle(jsonData: json, source: (out as NSString).lastPathComponent) }
        if let failing = bundle.failingExamples().first {
            printError("\(input): verification row \(failing.index + 1) does not reproduce: \(failing.problem)")
            throw ExitStatus.dataError
        }
        do { try json.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            printError("cannot write '\(out)'")
            throw ExitStatus.cannotCreate
        }
        print("\(bundle.reference) (\(file.kind), \(bundle.model.features.count) features, \(file.examples.count) examples) written to \(out)")
    }
}
