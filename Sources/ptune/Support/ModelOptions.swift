import Application
import ArgumentParser
import Base
import Foundation
import LM
import Tensor

/// `--model` and `--threads`, shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A GGUF file, or a folder with config.json, model.safetensors and tokenizer.json.",
        discussion: "Defaults to SmolLM2-135M-Instruct in the model cache ($PTUNE_MODELS, else ~/.cache/ptune/models).",
        valueName: "path"))
    var model: String?

    @Option(name: .long, help: "Threads for BLAS and ptune's own kernels (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp(
        "fp32; bf16: weight matrices in bf16 (2 bytes each) multiplied with fp32 accumulation; int8: the model file's 4-, 5- and 8-bit blocks kept as they are (about 1.1-1.2 bytes per weight), integer forward products (AVX-512 VNNI, AVX2 or portable kernels: any CPU), backward ones in bf16 (AVX-512 BF16) or fp32.",
        valueName: "precision"))
    var precision: Precision = .fp32

    /// The default model: the cached SmolLM2 file that `make model` fetches.
    static var defaultModelPath: String {
        (ModelResolution.modelDirectory as NSString).appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
    }

    /// Applies `--threads` and loads the model, or fails with a message saying what to do.
    func load() throws -> LanguageModel {
        if let threads { Threads.set(threads) }
        let path = model ?? Self.defaultModelPath
        guard FileManager.default.fileExists(atPath: path) else {
            if model == nil {
                throw ActionableError("the default model is not in the cache: \(path)",
                               hint: "run `make model` (or scripts/fetch-model.sh) once, or pass --model PATH")
            }
            throw ActionableError("no model file or folder at \(path)", hint: "check the --model path")
        }
        return try LanguageModel.load(path: path, precision: precision)
    }
}

extension Precision: ExpressibleByArgument {}
