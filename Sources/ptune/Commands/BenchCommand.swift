import Application
import ArgumentParser
import Foundation
import LM
import PTuning
import Tensor

/// `ptune bench`: throughput of a P-tuning-shaped batch, beside this machine's sgemm rate.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure forward and forward+backward tokens/s for a P-tuning-shaped batch.",
        discussion: """
            Each of --batch sequences holds --virtual tokens from the prompt encoder followed by --seq \
            random tokens; the loss reads one position per sequence (cross-entropy over the full \
            vocabulary). A training step runs the encoder, the model forward and backward to the virtual \
            tokens, the encoder's backward, gradient clipping and an AdamW update: the step of `ptune train` \
            with the baseline's encoder (ptune's own default encoder is none: --encoder none), the \
            work ../shared/bench/peft_baseline.py times; \
            a forward pass runs the encoder and the model. Tokens/s counts every position, as the \
            baseline does; the virtual tokens every sequence begins with are computed once per batch \
            ("rows computed"), and GFLOP/s counts the operations done. The sgemm figure is measured in \
            the same run.

            By default the encoder is the baseline's: PEFT builds its LSTM with the model width per \
            direction, which is twice the model width in the terms of task.toml's [encoder] \
            hidden_size (both directions together), and its MLP with the model width.

            With --products, the block projections are timed alone instead, forward and backward, at \
            the rows such a step computes: the rate of the kernel that multiplies the model's weights \
            (PTUNE_BF16_KERNEL or PTUNE_INT8_KERNEL asks for a slower one) on the model's own shapes, \
            beside the same products on the weights widened to fp32. The encoder and --recompute do \
            not enter it.
            """)

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "Sequences per batch.") var batch = 8
    @Option(name: .long, help: "Real tokens per sequence.") var seq = 64
    @Option(name: .long, help: "Virtual tokens per sequence, made by the prompt encoder.") var virtual = 16
    @Option(name: .long, help: "The prompt encoder: lstm, mlp or none (the table itself).")
    var encoder: EncoderKind = .lstm
    @Option(name: .customLong("encoder-hidden"),
            help: "The encoder's hidden size as task.toml's [encoder] hidden_size counts it (0: the baseline's).")
    var encoderHidden = 0
    @Option(name: .long, help: "Seconds to time each measurement.") var seconds = 10.0
    @Flag(name: .long, help: "Recompute each layer's activations during backward instead of keeping them.")
    var recompute = false
    @Flag(name: .long, help: "Time the block projections alone, each for a tenth of --seconds.")
    var products = false
    @Flag(name: .long, help: "Print one JSON line instead of a table.") var json = false

    func validate() throws {
        if batch < 1 || seq < 1 || virtual < 1 {
            throw ValidationError("--batch, --seq and --virtual must be at least 1.")
        }
        if encoderHidden < 0 || (encoder == .lstm && encoderHidden % 2 != 0) {
            throw ValidationError("--encoder-hidden must be 0 or positive, and even for lstm (half per direction); got \(encoderHidden).")
        }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive, got \(seconds).") }
    }

    func run() throws {
        let model = try options.load()
        model.transformer.recomputesActivations = recompute
        let width = model.transformer.config.hiddenSize
        let hidden = encoderHidden > 0 ? encoderHidden : encoder == .lstm ? 2 * width : width
        let benchmark = Benchmark(model: model, batch: batch, seq: seq, virtual: virtual,
                                  encoder: EncoderSettings(kind: encoder, hiddenSize: hidden), seconds: seconds,
                                  progress: json ? nil : { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        if products {
            let report = benchmark.runProducts()
            try json ? printJSON(report) : print(report.table)
        } else {
            let report = benchmark.run()
            try json ? printJSON(report) : print(report.table)
        }
    }
}

extension EncoderKind: ExpressibleByArgument {}
