import ArgumentParser

/// The `ptune` command line.
@main
struct PTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptune",
        abstract: "Train P-tuning prompts for frozen language models on CPU.",
        subcommands: [TrainCommand.self, PredictCommand.self, EvalCommand.self, TokenizeCommand.self, LogitsCommand.self, GenerateCommand.self,
                      BenchCommand.self])
}
