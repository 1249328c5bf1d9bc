import Application
import ArgumentParser
import Foundation
import PTuning
import Store
import Tensor

/// Options shared by `ptune predict` and `ptune eval`.
struct PromptOptions: ParsableArguments {
    @Option(name: .long, help: "A `ptune train` output folder, or its prompt.safetensors.") var prompt: String?
    @Option(name: .long, help: "A succeeded job in the daemon's history (id or unique prefix): its prompt, read from the database.")
    var job: String?
    @Option(name: .long, help: "A prompt table (`ptune export --table`); --task names the prompt in it.") var table: String?
    @Option(name: .long, help: "With --table: the task whose prompt to use.") var task: String?
    @OptionGroup var spoolOptions: SpoolOptions
    @Option(name: .long, help: "Records: JSON Lines, or TSV with a header (*.tsv).") var input: String
    @Option(name: .long, help: "The model file or folder (default: the prompt's model in the model directory).")
    var model: String?
    @Option(name: .long, help: "Threads (default: all cores).") var threads: Int?
    @Option(name: .long, help: "Records per model call.") var batchSize = 16
    @Option(name: .long, help: "fp32, bf16 or int8 weight matrices.") var precision: Precision = .fp32
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        if [prompt, job, table].compactMap({ $0 }).count != 1 {
            throw ValidationError("Give the prompt as one of --prompt FOLDER_OR_FILE, --job ID or --table FILE --task NAME.")
        }
        if (table == nil) != (task == nil) { throw ValidationError("--table and --task go together.") }
    }

    func predictions(labelled: Bool) throws -> (TrainedPrompt, [Prediction]) {
        if let threads { Threads.set(threads) }
        let trained: TrainedPrompt
        if let job {
            let store = try spoolOptions.openStore()
            let record = try spoolOptions.succeededJob(job, in: store, for: "a prompt to use")
            trained = try TrainedPrompt(prompt: try store.prompt(of: record.id), modelPath: model, precision: precision)
        } else if let table, let task {
            trained = try TrainedPrompt(prompt: try PromptTable.load(path: table).prompt(task: task), modelPath: model,
                                        precision: precision)
        } else {
            trained = try TrainedPrompt(path: prompt ?? "", modelPath: model, precision: precision)
        }
        return (trained, try trained.predict(input: input, labelled: labelled, batchSize: batchSize))
    }
}

/// `ptune predict`: answers and probabilities per record, from a trained prompt.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict each record's label (or top fill-ins) with a trained prompt.")

    @OptionGroup var options: PromptOptions

    func run() throws {
        let (_, predictions) = try options.predictions(labelled: false)
        if options.json {
            for p in predictions { try printJSON(p) }
            return
        }
        print("record                  answer          probability  gold")
        for p in predictions {
            let probability = p.top.first { $0.answer == p.predicted }?.probability ?? 0
            let gold = p.gold.map { $0 == p.predicted ? "\($0) ✓" : "\($0) ✗" } ?? ""
            print("\(p.source.padding(toLength: 22, withPad: " ", startingAt: 0))  "
                  + "\(p.predicted.padding(toLength: 14, withPad: " ", startingAt: 0))  "
                  + "\(String(format: "%11.4f", probability))  \(gold)")
        }
    }
}

/// `ptune eval`: the metrics of a trained prompt on a labelled file.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure a trained prompt on a labelled file.")

    @OptionGroup var options: PromptOptions

    func run() throws {
        let (trained, predictions) = try options.predictions(labelled: true)
        let metrics = Metrics.of(predictions, kind: trained.prompt.spec.kind)
        if options.json {
            try printJSON(metrics)
        } else {
            print("\((options.input as NSString).lastPathComponent): \(ProgressDisplay.format(metrics))")
        }
    }
}
