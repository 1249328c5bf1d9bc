import ArgumentParser
import Foundation
import LM
import Tensor

/// `ptune bench`: throughput of a P-tuning-shaped batch, beside this machine's sgemm rate.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure forward and forward+backward tokens/s for a P-tuning-shaped batch.",
        discussion: """
            Each of --batch sequences holds --virtual caller-given embedding vectors followed by --seq \
            random tokens; the loss reads one position per sequence (cross-entropy over the full \
            vocabulary), and backward runs to the input embeddings. Tokens/s counts every position, as \
            ../shared/bench/peft_baseline.py does; the virtual tokens every sequence begins with are \
            computed once per batch ("rows computed"), and GFLOP/s counts the operations done. The sgemm \
            figure is measured in the same run.
            """)

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "Sequences per batch.") var batch = 8
    @Option(name: .long, help: "Real tokens per sequence.") var seq = 64
    @Option(name: .long, help: "Virtual (embedding) tokens per sequence.") var virtual = 16
    @Option(name: .long, help: "Seconds to time each measurement.") var seconds = 10.0
    @Flag(name: .long, help: "Recompute each layer's activations during backward instead of keeping them.")
    var recompute = false
    @Flag(name: .long, help: "Print one JSON line instead of a table.") var json = false

    func validate() throws {
        if batch < 1 || seq < 1 || virtual < 0 {
            throw ValidationError("--batch and --seq must be at least 1 and --virtual at least 0.")
        }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive, got \(seconds).") }
    }

    func run() throws {
        let model = try options.load()
        model.transformer.recomputesActivations = recompute
        let report = Benchmark(model: model, batch: batch, seq: seq, virtual: virtual, seconds: seconds,
                               progress: json ? nil : { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }).run()
        if json {
            try printJSON(report)
        } else {
            print(report.table)
        }
    }
}
