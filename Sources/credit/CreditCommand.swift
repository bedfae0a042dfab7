import ArgumentParser
import CGlibcMalloc

/// `credit`: fit, score and validate credit-risk models.
@main
struct CreditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit",
        abstract: "Credit scoring and risk engine: fit, score, evaluate and validate models; decide applications under a policy.",
        subcommands: [FitCommand.self, ScoreCommand.self, BinCommand.self, EvaluateCommand.self, ModelsCommand.self, CompareCommand.self, MonitorCommand.self, DecideCommand.self, RulesCommand.self, CalibrateCommand.self, ServeCommand.self, ConsumeCommand.self, ExportCommand.self, ImportCommand.self, ShardsCommand.self, AuditCommand.self, StoreCommand.self, ReplayCommand.self, ModelCommand.self, GenerateCommand.self]
    )

    static func main() async {
        tuneMemory(serving: ["serve", "consume"].contains(CommandLine.arguments.dropFirst().first ?? ""))
        await main(nil)
    }

    /// The batch jobs allocate and free blocks of several MiB at a high rate. By default glibc
    /// maps each such allocation afresh and unmaps it when freed, so every block costs hundreds
    /// of page faults (a fifth of a scoring run's CPU time was spent in the kernel). Serving
    /// allocations up to 32 MiB from the heap and keeping up to 512 MiB of freed heap lets the
    /// next block reuse the pages. The batch jobs also use one arena: their allocations are few
    /// and large, and one arena per thread only kept more memory (peak RSS scoring 10M rows:
    /// 152 MB with the default arenas, 111 MB with one, in the same time). The server, with
    /// many small allocations on several threads, keeps glibc's arenas.
    private static func tuneMemory(serving: Bool) {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
        if !serving { _ = mallopt(M_ARENA_MAX, 1) }
    }
}
