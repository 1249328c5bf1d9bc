import Application
import ArgumentParser
import Foundation
import PTuning
import Tensor

/// `ptune train`: one bundle, in the foreground.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a P-tuning prompt from a task bundle in the foreground.",
        discussion: """
            BUNDLE is a folder holding task.toml and the data files. The outputs (report.json, report.md, \
            loss.svg, prompt.safetensors, adapter/) go into --out; checkpoints go into --out/checkpoints, \
            and --resume continues an interrupted run from them.
            """)

    @Argument(help: "The bundle folder.") var bundle: String
    @Option(name: .long, help: "Output folder (default: ./runs/NAME).") var out: String?
    @Option(name: .long, help: "Threads (default: the bundle's limits.threads).") var threads: Int?
    @Option(name: .long, help: "Model file or folder, instead of the bundle's `model`.") var model: String?
    @Flag(name: .long, help: "Continue from the checkpoints in --out.") var resume = false
    @Option(name: .long, help: "fp32, bf16 or int8 weight matrices, instead of the bundle's training.precision.")
    var precision: Precision?
    @Flag(name: .long, help: """
        Recompute each layer's activations during backward instead of keeping them (as \
        training.recompute = true): far less memory for long inputs, about 40% more time.
        """)
    var recompute = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
    }

    func run() throws {
        let bundleURL = URL(fileURLWithPath: bundle).standardizedFileURL
        let name = bundleURL.lastPathComponent
        let outURL = URL(fileURLWithPath: out ?? "runs/\(name)").standardizedFileURL
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let display = ProgressDisplay()
        var run = TrainingRun(bundleDirectory: bundleURL, outputDirectory: outURL, modelPath: model, threads: threads,
                              resume: resume, onEvent: display.handle,
                              log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        run.precision = precision
        run.recompute = recompute
        let result = try run.run()
        if let search = result.search { Self.printSearch(search, name: result.bundle.manifest.name) }
        if let outcome = result.outcome { Self.printOutcome(outcome, name: result.bundle.manifest.name) }
        print("outputs in \(outURL.path): \(result.files.joined(separator: ", "))")
    }

    private static func printSearch(_ search: SearchReport, name: String) {
        let winner = search.trials.last { $0.index == search.winner }
        print("searched \(name) (\(search.strategy.rawValue)): \(search.trials.count) trial runs, \(search.steps) steps"
              + (search.notRun > 0 ? ", \(search.notRun) not run (budget spent)" : ""))
        if let winner {
            print("  trial \(winner.index + 1) wins: dev \(winner.dev.map { String(format: "%.4f", $0) } ?? "–"), "
                  + "test \(winner.test.map { String(format: "%.4f", $0) } ?? "–") (search.md has every trial)")
        }
    }

    private static func printOutcome(_ outcome: TrainingOutcome, name: String) {
        let seeds = outcome.seeds
        print("trained \(name): \(seeds.count) seed\(seeds.count == 1 ? "" : "s")")
        for seed in seeds {
            let exported = seed.seed == outcome.bestSeed && outcome.exported == .chosenSeed
            var line = "  seed \(seed.seed)\(exported ? " (exported)" : ""): \(seed.steps) steps"
            if let dev = seed.dev { line += ", dev \(ProgressDisplay.format(dev))" }
            if let test = seed.test { line += ", test \(ProgressDisplay.format(test))" }
            if !seed.warnings.isEmpty { line += "; warnings: " + seed.warnings.map(\.kind.rawValue).joined(separator: ", ") }
            print(line)
        }
        if let refit = outcome.refit {
            var line = "  seed \(refit.result.seed) again on all \(refit.records) records\(refit.exported ? " (exported)" : ""): "
                + "\(refit.result.steps) steps"
            if let test = refit.result.test { line += ", test \(ProgressDisplay.format(test))" }
            print(line)
        }
        if outcome.exported == .manualTemplate {
            print("  the manual template (exported): \(outcome.baselines.manual.description)")
        }
        for warning in outcome.warnings { print("warning: \(warning.message)") }
    }
}
