import Foundation

/// Reads a Hugging Face `config.json` (a `model_type` in `ModelFamily.all`) into a `DecoderConfig`.
/// Hugging Face checkpoints keep Q/K rows unpermuted, so the rotary layout is always `.halfSplit`.
public enum HuggingFaceConfig {
    /// The decoder hyperparameters in the `config.json` at `path`.
    public static func decoderConfig(contentsOf path: String) throws -> DecoderConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError.cannotOpen(path: path, reason: "no readable file")
        }
        return try decoderConfig(json: data, path: path)
    }

    /// The decoder hyperparameters in `json`; `path` names the source in errors.
    public static func decoderConfig(json: Data, path: String) throws -> DecoderConfig {
        let raw: RawConfig
        do {
            raw = try JSONDecoder().decode(RawConfig.self, from: json)
        } catch {
            throw ModelFileError.malformed(path: path, what: "config.json", detail: "\(error)")
        }
        guard let modelType = raw.modelType else { throw ModelFileError.missingKey(path: path, key: "model_type") }
        guard let architecture = ModelFamily.named(modelType) else {
            throw ModelFileError.unsupportedArchitecture(path: path, architecture: modelType)
        }
        func require(_ value: Int?, _ key: String) throws -> Int {
            guard let value else { throw ModelFileError.missingKey(path: path, key: key) }
            return value
        }
        let hidden = try require(raw.hiddenSize, "hidden_size")
        let heads = try require(raw.numAttentionHeads, "num_attention_heads")
        for scaling in [raw.ropeScaling, raw.ropeParameters] {
            if let type = scaling?.ropeType ?? scaling?.type, type != "default" {
                throw ModelFileError.unsupportedFeature(path: path, feature: "rope scaling \"\(type)\"")
            }
        }
        let headDim: Int
        if let explicit = raw.headDim {
            headDim = explicit
        } else {
            guard heads > 0, hidden % heads == 0 else {
                throw ModelFileError.badValue(path: path, key: "num_attention_heads",
                                              expected: "a divisor of hidden_size \(hidden)", found: "\(heads)")
            }
            headDim = hidden / heads
        }
        let config = DecoderConfig(
            architecture: architecture,
            vocabSize: try require(raw.vocabSize, "vocab_size"),
            hiddenSize: hidden,
            layerCount: try require(raw.numHiddenLayers, "num_hidden_layers"),
            headCount: heads,
            kvHeadCount: raw.numKeyValueHeads ?? heads,
            headDim: headDim,
            ffnSize: try require(raw.intermediateSize, "intermediate_size"),
            rmsNormEps: Float(raw.rmsNormEps ?? 1e-6),
            ropeTheta: Float(raw.ropeParameters?.ropeTheta ?? raw.ropeTheta ?? 10000),
            rotaryLayout: .halfSplit,
            attentionBias: architecture.alwaysHasAttentionBias || (raw.attentionBias ?? false),
            tiedOutput: raw.tieWordEmbeddings ?? false,
            contextLength: raw.maxPositionEmbeddings ?? architecture.defaultContextLength)
        try validate(config, path: path)
        return config
    }

    /// The subset of config.json this engine reads; everything else is ignored.
    private struct RawConfig: Decodable {
        struct Rope: Decodable {
            var ropeTheta: Double?
            var ropeType: String?
            var type: String?
            enum CodingKeys: String, CodingKey {
                case ropeTheta = "rope_theta", ropeType = "rope_type", type
            }
        }

        var modelType: String?
        var hiddenSize: Int?
        var numHiddenLayers: Int?
        var numAttentionHeads: Int?
        var numKeyValueHeads: Int?
        var headDim: Int?
        var intermediateSize: Int?
        var rmsNormEps: Double?
        var ropeTheta: Double?
        var ropeParameters: Rope?
        var ropeScaling: Rope?
        var tieWordEmbeddings: Bool?
        var attentionBias: Bool?
        var vocabSize: Int?
        var maxPositionEmbeddings: Int?

        enum CodingKeys: String, CodingKey {
            case modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
            case headDim = "head_dim", intermediateSize = "intermediate_size", rmsNormEps = "rms_norm_eps"
            case ropeTheta = "rope_theta", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
            case tieWordEmbeddings = "tie_word_embeddings", attentionBias = "attention_bias"
            case vocabSize = "vocab_size", maxPositionEmbeddings = "max_position_embeddings"
        }
    }
}

/// Checks the hyperparameters are positive and consistent; `path` names the source in errors.
func validate(_ config: DecoderConfig, path: String) throws {
    let positive: [(String, Int)] = [
        ("vocab size", config.vocabSize), ("hidden size", config.hiddenSize), ("layer count", config.layerCount),
        ("head count", config.headCount), ("key/value head count", config.kvHeadCount),
        ("head dimension", config.headDim), ("feed-forward size", config.ffnSize),
        ("context length", config.contextLength),
    ]
    // The bound keeps products such as heads × head dimension far from overflow.
    let limit = 1 << 24
    for (name, value) in positive where value <= 0 || value > limit {
        throw ModelFileError.badValue(path: path, key: name, expected: "a positive integer up to \(limit)",
                                      found: "\(value)")
    }
    if let window = config.slidingWindow, window <= 0 || window > limit {
        throw ModelFileError.badValue(path: path, key: "sliding window", expected: "a positive integer up to \(limit)",
                                      found: "\(window)")
    }
    guard config.headCount % config.kvHeadCount == 0 else {
        throw ModelFileError.badValue(path: path, key: "key/value head count",
                                      expected: "a divisor of the head count \(config.headCount)",
                                      found: "\(config.kvHeadCount)")
    }
    guard config.headDim % 2 == 0 else {
        throw ModelFileError.badValue(path: path, key: "head dimension", expected: "an even number (rotary pairs)",
                                      found: "\(config.headDim)")
    }
    guard config.rmsNormEps > 0, config.rmsNormEps.isFinite, config.ropeTheta > 0, config.ropeTheta.isFinite else {
        throw ModelFileError.badValue(path: path, key: "rms norm epsilon / rope theta", expected: "positive finite numbers",
                                      found: "\(config.rmsNormEps) / \(config.ropeTheta)")
    }
}
