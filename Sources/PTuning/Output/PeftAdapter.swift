import Base
import Foundation
import LM
import Tensor

/// A Hugging Face PEFT P-tuning adapter folder: `adapter_config.json` and `adapter_model.safetensors`
/// holding one F32 tensor `prompt_embeddings` [m, H], loadable with `PeftModel.from_pretrained`.
///
/// PEFT prepends all virtual tokens to the input, so the adapter reproduces the trained behaviour
/// exactly only when the template is prefix-only; `ptune_prefix_only` and `ptune_note` say which.
public enum PeftAdapter {
    public static let configFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"
    public static let tensorName = "prompt_embeddings"

    /// The contents of `adapter_config.json`: PEFT's `PromptEncoderConfig` fields plus `ptune_*` notes,
    /// which PEFT ignores with a warning about unknown keys.
    public struct Config: Codable, Sendable, Equatable {
        public var peftType = "P_TUNING"
        public var taskType = "CAUSAL_LM"
        public var numVirtualTokens: Int
        public var tokenDim: Int
        public var numTransformerSubmodules = 1
        public var numAttentionHeads: Int
        public var numLayers: Int
        /// "LSTM" or "MLP"; with `inference_mode` PEFT builds no encoder, so it only records the
        /// trained one ("MLP" for ptune's `none`, which trains the table directly).
        public var encoderReparameterizationType: String
        public var encoderHiddenSize: Int
        public var encoderNumLayers = 2
        public var encoderDropout = 0.0
        public var inferenceMode = true
        public var baseModelNameOrPath: String
        public var revision: String?
        public var ptuneTemplate: String
        public var ptunePrefixOnly: Bool
        public var ptuneNote: String

        enum CodingKeys: String, CodingKey {
            case revision
            case peftType = "peft_type"
            case taskType = "task_type"
            case numVirtualTokens = "num_virtual_tokens"
            case tokenDim = "token_dim"
            case numTransformerSubmodules = "num_transformer_submodules"
            case numAttentionHeads = "num_attention_heads"
            case numLayers = "num_layers"
            case encoderReparameterizationType = "encoder_reparameterization_type"
            case encoderHiddenSize = "encoder_hidden_size"
            case encoderNumLayers = "encoder_num_layers"
            case encoderDropout = "encoder_dropout"
            case inferenceMode = "inference_mode"
            case baseModelNameOrPath = "base_model_name_or_path"
            case ptuneTemplate = "ptune_template"
            case ptunePrefixOnly = "ptune_prefix_only"
            case ptuneNote = "ptune_note"
        }

        /// The configuration for a run's prompt.
        public init(context: RunContext) {
            let template = context.spec.template
            numVirtualTokens = template.pseudoTokenCount
            tokenDim = context.model.config.hiddenSize
            numAttentionHeads = context.model.config.headCount
            numLayers = context.model.config.layerCount
            encoderReparameterizationType = context.spec.encoder.kind == .lstm ? "LSTM" : "MLP"
            encoderHiddenSize = context.effectiveEncoderHiddenSize
            baseModelNameOrPath = context.model.name
            ptuneTemplate = template.source
            ptunePrefixOnly = template.isPrefixOnly
            ptuneNote = Self.note(prefixOnly: template.isPrefixOnly, bos: context.spec.bos == true)
        }

        /// Writes every key, `revision` as null when absent, as PEFT does.
        public func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(peftType, forKey: .peftType)
            try c.encode(taskType, forKey: .taskType)
            try c.encode(numVirtualTokens, forKey: .numVirtualTokens)
            try c.encode(tokenDim, forKey: .tokenDim)
            try c.encode(numTransformerSubmodules, forKey: .numTransformerSubmodules)
            try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
            try c.encode(numLayers, forKey: .numLayers)
            try c.encode(encoderReparameterizationType, forKey: .encoderReparameterizationType)
            try c.encode(encoderHiddenSize, forKey: .encoderHiddenSize)
            try c.encode(encoderNumLayers, forKey: .encoderNumLayers)
            try c.encode(encoderDropout, forKey: .encoderDropout)
            try c.encode(inferenceMode, forKey: .inferenceMode)
            try c.encode(baseModelNameOrPath, forKey: .baseModelNameOrPath)
            try c.encode(revision, forKey: .revision)
            try c.encode(ptuneTemplate, forKey: .ptuneTemplate)
            try c.encode(ptunePrefixOnly, forKey: .ptunePrefixOnly)
            try c.encode(ptuneNote, forKey: .ptuneNote)
        }

        static func note(prefixOnly: Bool, bos: Bool) -> String {
            let base = "PEFT prepends all num_virtual_tokens prompt embeddings before the input; "
                + "ptune places them where the template puts its [P] tokens."
            return prefixOnly
                ? base + " This template is prefix-only, so the adapter reproduces the trained behaviour exactly "
                    + "when the input is the template's text after its pseudo tokens"
                    + (bos ? ", beginning with the model's BOS token." : ", with no BOS token.")
                : base + " This template has pseudo tokens after text, so the adapter only approximates the trained "
                    + "behaviour; use prompt.safetensors with ptune for exact results."
        }
    }

    /// Writes `directory/adapter_config.json` and `directory/adapter_model.safetensors`, each atomically,
    /// creating the folder; returns the two file names.
    ///
    /// `embeddingScale` is the model's (`DecoderConfig.embeddingScale`: sqrt(H) for Gemma, else 1).
    /// ptune multiplies the prompt rows by it with the token embeddings; PEFT hands its virtual tokens
    /// to the model beside token embeddings already multiplied, so the adapter holds the rows times it.
    @discardableResult
    public static func write(table: FloatBuffer, embeddingScale: Float, config: Config, to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let values = embeddingScale == 1 ? table.array : table.array.map { $0 * embeddingScale }
        try writeSafetensors(tensors: [SafetensorsTensor(name: tensorName, shape: [config.numVirtualTokens, config.tokenDim],
                                                         values: values)],
                             metadata: ["format": "pt"],
                             to: directory.appendingPathComponent(weightsFileName).path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(config), to: directory.appendingPathComponent(configFileName).path)
        return [configFileName, weightsFileName]
    }
}
