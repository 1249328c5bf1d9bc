import Foundation
import Tensor

/// A decoder ready to run: hyperparameters, float32 weights and (from GGUF) the tokenizer vocabulary.
public struct LoadedModel: Sendable {
    /// Hyperparameters, including the rotary layout the weights need.
    public var config: DecoderConfig
    /// Float32 weights, row-major [out, in].
    public var weights: DecoderWeights
    /// From GGUF `tokenizer.ggml.*` metadata; nil for a Hugging Face folder (its tokenizer.json is
    /// parsed by the tokenizer) or a GGUF without tokenizer metadata.
    public var vocabulary: TokenizerVocabulary?
    /// SHA-256 (64 lowercase hex digits) of the weights file: the `.gguf`, or the folder's
    /// `model.safetensors`. Identifies the exact weights a prompt was trained against.
    public var sha256: String
    /// The path the model was loaded from.
    public var path: String
}

/// A model file opened for reading: hyperparameters and vocabulary read, weights still in the file.
struct OpenedModel: Sendable {
    var config: DecoderConfig
    var vocabulary: TokenizerVocabulary?
    var weights: WeightSource
    /// Hashes the weights file, as `LoadedModel.sha256`.
    var sha256: @Sendable () -> String
    var path: String
}

/// Loads a model from a `.gguf` file or a Hugging Face folder (`config.json` + `model.safetensors`).
public enum ModelLoader {
    /// Loads `path` (as `open`) with every weight in float32.
    public static func load(path: String) throws -> LoadedModel {
        let model = try open(path: path)
        // Hashing the file takes about as long as de-quantizing it, so the two overlap.
        let (weights, sha256) = try concurrently(model.sha256) { try model.weights.all() }
        return LoadedModel(config: model.config, weights: weights, vocabulary: model.vocabulary, sha256: sha256,
                           path: model.path)
    }

    /// Opens `path`: a directory is read as a Hugging Face folder, anything else as a GGUF file.
    static func open(path: String) throws -> OpenedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.cannotOpen(path: path, reason: "no such file or directory")
        }
        return isDirectory.boolValue ? try openHuggingFace(folder: path) : try openGGUF(path: path)
    }

    /// Checks a tensor's row-major shape before converting it.
    static func checked(_ name: String, _ found: [Int], _ expected: [Int], path: String) throws {
        guard found == expected else {
            throw ModelFileError.shapeMismatch(path: path, tensor: name, expected: expected, found: found)
        }
    }
}
