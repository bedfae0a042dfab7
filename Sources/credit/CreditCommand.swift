import ArgumentParser

/// `credit`: fit, score and validate credit-risk models.
@main
struct CreditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit",
        abstract: "Credit scoring and risk engine: fit, score and validate models.",
        subcommands: [FitCommand.self, ScoreCommand.self, BinCommand.self, EvaluateCommand.self, ModelCommand.self, GenerateCommand.self]
    )
}
