import ArgumentParser

/// `credit`: fit, score and validate credit-risk models.
@main
struct CreditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit",
        abstract: "Credit scoring and risk engine: fit, score, evaluate and validate models; decide applications under a policy.",
        subcommands: [FitCommand.self, ScoreCommand.self, BinCommand.self, EvaluateCommand.self, ModelsCommand.self, CompareCommand.self, MonitorCommand.self, DecideCommand.self, RulesCommand.self, CalibrateCommand.self, ServeCommand.self, AuditCommand.self, ReplayCommand.self, ModelCommand.self, GenerateCommand.self]
    )
}
