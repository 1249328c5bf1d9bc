import Foundation
@testable import LM
import Tensor

/// A tiny random Llama model in the Hugging Face layout (config.json, model.safetensors,
/// tokenizer.json) with a byte-level vocabulary, so any text encodes. Tests of training, the CLI and
/// the daemon use it where the real model would be too slow.
public enum TinyModelFolder {
    /// Merge rules on top of the 256 byte tokens: enough to give common words several-byte tokens.
    static let merges = ["Ġ t", "h e", "Ġt he", "Ġ a", "i n", "e r", "Ġ g", "r e", "a t", "Ġg re", "Ġgre at",
                         "Ġ b", "a d", "Ġb ad", "o n", "e s"]

    /// Writes the model into `directory` (created if needed) and returns its path. With `addsBOS` a
    /// tokenizer_config.json names its one special token the BOS and asks for it before every text, as
    /// Gemma's files do.
    @discardableResult
    public static func write(to directory: URL, seed: UInt64 = 5, hiddenSize: Int = 16, layers: Int = 2,
                             addsBOS: Bool = false) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tokens = ByteLevelAlphabet.scalarForByte.map { String($0) } + merges.map { $0.replacingOccurrences(of: " ", with: "") }
        let eos = tokens.count
        let vocabularySize = tokens.count + 1
        let (H, F, heads, kvHeads) = (hiddenSize, 2 * hiddenSize, 4, 2)
        let d = H / heads

        let config: [String: Any] = [
            "model_type": "llama", "hidden_size": H, "intermediate_size": F, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": kvHeads, "head_dim": d, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "tie_word_embeddings": true, "vocab_size": vocabularySize,
            "max_position_embeddings": 512, "bos_token_id": eos, "eos_token_id": eos,
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
            .write(to: directory.appendingPathComponent("config.json"))

        var rng = SeededGenerator(seed: seed)
        var tensors: [SafetensorsTensor] = []
        func add(_ name: String, _ shape: [Int], std: Float, offset: Float = 0) {
            let b = rng.normalBuffer(count: shape.reduce(1, *), std: std)
            for i in 0..<b.count { b.pointer[i] += offset }
            tensors.append(SafetensorsTensor(name: name, shape: shape, values: b))
        }
        add("model.embed_tokens.weight", [vocabularySize, H], std: 1)
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            add(p + "input_layernorm.weight", [H], std: 0.1, offset: 1)
            add(p + "self_attn.q_proj.weight", [heads * d, H], std: 0.3)
            add(p + "self_attn.k_proj.weight", [kvHeads * d, H], std: 0.3)
            add(p + "self_attn.v_proj.weight", [kvHeads * d, H], std: 0.3)
            add(p + "self_attn.o_proj.weight", [H, heads * d], std: 0.3)
            add(p + "post_attention_layernorm.weight", [H], std: 0.1, offset: 1)
            add(p + "mlp.gate_proj.weight", [F, H], std: 0.3)
            add(p + "mlp.up_proj.weight", [F, H], std: 0.3)
            add(p + "mlp.down_proj.weight", [H, F], std: 0.3)
        }
        add("model.norm.weight", [H], std: 0.1, offset: 1)
        try writeSafetensors(tensors: tensors, to: directory.appendingPathComponent("model.safetensors").path)

        var vocab: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocab[token] = id }
        let tokenizer: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocab, "merges": merges],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
            "added_tokens": [["id": eos, "content": "<|end|>", "special": true]],
        ]
        try JSONSerialization.data(withJSONObject: tokenizer, options: [.sortedKeys])
            .write(to: directory.appendingPathComponent("tokenizer.json"))
        if addsBOS {
            try JSONSerialization.data(withJSONObject: ["bos_token": "<|end|>", "add_bos_token": true], options: [.sortedKeys])
                .write(to: directory.appendingPathComponent("tokenizer_config.json"))
        }
        return directory.path
    }
}
