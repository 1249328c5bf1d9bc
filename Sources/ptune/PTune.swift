import ArgumentParser
import Base
import Tensor

/// The `ptune` command line.
@main
struct PTune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptune",
        abstract: "Train P-tuning prompts for frozen language models on CPU.",
        version: ProductVersion.current,
        subcommands: [TrainCommand.self, PredictCommand.self, EvalCommand.self, TokenizeCommand.self, LogitsCommand.self, GenerateCommand.self,
                      BenchCommand.self, ServeCommand.self, SubmitCommand.self, HistoryCommand.self, ShowCommand.self,
                      MetricsCommand.self, LogsCommand.self, ExportCommand.self, StatusCommand.self, CancelCommand.self, GCCommand.self,
                      WorkerCommand.self, DeliverNotificationCommand.self])

    /// Runs the command, in a process whose OpenBLAS kernels suit this CPU (`BLASKernels`).
    static func main() async {
        BLASKernels.reexecWithKernelsForThisCPU()
        await main(nil)
    }
}
