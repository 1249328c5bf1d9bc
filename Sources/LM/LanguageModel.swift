import Foundation
import Tensor

/// A loaded model ready to run: the frozen decoder and its tokenizer.
public final class LanguageModel: @unchecked Sendable {
    public let transformer: Transformer
    public let tokenizer: BPETokenizer
    /// The file or folder the model came from.
    public let path: String
    /// SHA-256 of the weights file: identifies the exact model a prompt was trained against.
    public let sha256: String

    /// A short name for reports: the file or folder name.
    public var name: String { (path as NSString).lastPathComponent }

    public init(transformer: Transformer, tokenizer: BPETokenizer, path: String, sha256: String) {
        self.transformer = transformer
        self.tokenizer = tokenizer
        self.path = path
        self.sha256 = sha256
    }

    /// Loads a `.gguf` file, or a Hugging Face folder (config.json, model.safetensors, tokenizer.json),
    /// with its weight matrices kept in `precision`.
    public static func load(path: String, precision: Precision = .fp32) throws -> LanguageModel {
        let model = try ModelLoader.open(path: path)
        let tokenizer = try loadTokenizer(path: path, vocabulary: model.vocabulary)
        // Hashing the file takes about as long as de-quantizing it, so the two overlap.
        let (transformer, sha256) = try concurrently(model.sha256) {
            try Transformer(config: model.config, source: model.weights, precision: precision)
        }
        return LanguageModel(transformer: transformer, tokenizer: tokenizer, path: path, sha256: sha256)
    }

    /// Only the tokenizer of a model file or folder (reads no weights).
    public static func loadTokenizer(path: String) throws -> BPETokenizer {
        try loadTokenizer(path: path, vocabulary: nil)
    }

    private static func loadTokenizer(path: String, vocabulary: TokenizerVocabulary?) throws -> BPETokenizer {
        if let vocabulary { return try BPETokenizer(vocabulary: vocabulary) }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            let json = (path as NSString).appendingPathComponent("tokenizer.json")
            return try BPETokenizer(vocabulary: TokenizerVocabulary(huggingFaceTokenizerFile: json))
        }
        let file = try GGUFFile(path: path)
        guard let vocabulary = try ModelLoader.ggufVocabulary(file, vocabSize: ModelLoader.ggufConfig(file).vocabSize) else {
            throw ModelFileError.missingKey(path: path, key: "tokenizer.ggml.tokens")
        }
        return try BPETokenizer(vocabulary: vocabulary)
    }

    /// Token ids for a model call: the text encoded, with BOS first when the model wants it.
    public func encodeForModel(_ text: String) -> [Int] {
        let ids = tokenizer.encode(text)
        if tokenizer.addBOS, let bos = tokenizer.bosID { return [bos] + ids }
        return ids
    }

    /// The logits after the last of `ids`.
    public func nextTokenLogits(_ ids: [Int]) -> LogitRow {
        let pass = transformer.forward(DecoderBatch(tokens: [ids]),
                                   logitsAt: [LogitPosition(sequence: 0, position: ids.count - 1)],
                                   saveForBackward: false)
        return LogitRow(pass.logits.array)
    }
}
