import Tensor

extension ModelLoader {
    /// Opens a GGUF of a family in `ModelFamily.all`: hyperparameters from `{arch}.*` metadata,
    /// vocabulary from `tokenizer.ggml.*`, weights (GGUF's [out, in] layout) read as they are needed.
    static func openGGUF(path: String) throws -> OpenedModel {
        let file = try GGUFFile(path: path)
        let config = try ggufConfig(file)
        let path = file.path
        let source = WeightSource(config: config, names: config.architecture.ggufNames) { name, shape in
            try checked(name, try file.tensorInfo(name).shape, shape, path: path)
            return try file.stored(name)
        }
        return OpenedModel(config: config, vocabulary: try ggufVocabulary(file, vocabSize: config.vocabSize),
                           weights: source, sha256: { file.sha256() }, path: path)
    }

    /// The decoder hyperparameters in a GGUF's metadata.
    static func ggufConfig(_ file: GGUFFile) throws -> DecoderConfig {
        let name = try file.string("general.architecture")
        guard let architecture = ModelFamily.named(name) else {
            throw ModelFileError.unsupportedArchitecture(path: file.path, architecture: name)
        }
        let p = name + "."
        if let scaling = try file.optionalString(p + "rope.scaling.type"), scaling != "none" {
            throw ModelFileError.unsupportedFeature(path: file.path, feature: "rope scaling \"\(scaling)\"")
        }
        if file.tensors["rope_freqs.weight"] != nil {
            throw ModelFileError.unsupportedFeature(path: file.path,
                                                    feature: "per-dimension rope frequencies (rope_freqs.weight)")
        }
        let hidden = try file.int(p + "embedding_length")
        let heads = try file.int(p + "attention.head_count")
        let headDim = try ggufHeadDimension(file, prefix: p, hidden: hidden, heads: heads)
        for key in [p + "rope.dimension_count", p + "attention.value_length"] {
            if let value = try file.optionalInt(key), value != headDim {
                throw ModelFileError.badValue(path: file.path, key: key,
                                              expected: "\(headDim) (the head dimension)", found: "\(value)")
            }
        }
        let config = DecoderConfig(
            architecture: architecture,
            vocabSize: try ggufVocabularySize(file, prefix: p, hidden: hidden),
            hiddenSize: hidden,
            layerCount: try file.int(p + "block_count"),
            headCount: heads,
            kvHeadCount: try file.optionalInt(p + "attention.head_count_kv") ?? heads,
            headDim: headDim,
            ffnSize: try file.int(p + "feed_forward_length"),
            rmsNormEps: try file.float(p + "attention.layer_norm_rms_epsilon"),
            ropeTheta: try file.optionalFloat(p + "rope.freq_base") ?? 10000,
            rotaryLayout: architecture.ggufRotaryLayout,
            attentionBias: file.tensors[architecture.ggufNames.layerPrefix(0) + architecture.ggufNames.queryBias] != nil,
            tiedOutput: file.tensors[architecture.ggufNames.outputHead] == nil,
            contextLength: try file.int(p + "context_length"),
            slidingWindow: architecture.slidingWindow == nil ? nil : try file.int(p + "attention.sliding_window"))
        try validate(config, path: file.path)
        return config
    }

    /// `attention.key_length`, or the embedding length over the head count.
    private static func ggufHeadDimension(_ file: GGUFFile, prefix p: String, hidden: Int, heads: Int) throws -> Int {
        if let keyLength = try file.optionalInt(p + "attention.key_length") { return keyLength }
        guard heads > 0, hidden % heads == 0 else {
            throw ModelFileError.badValue(path: file.path, key: p + "attention.head_count",
                                         expected: "a divisor of the embedding length \(hidden)", found: "\(heads)")
        }
        return hidden / heads
    }

    /// `vocab_size`, or the row count of the token embedding.
    private static func ggufVocabularySize(_ file: GGUFFile, prefix p: String, hidden: Int) throws -> Int {
        if let v = try file.optionalInt(p + "vocab_size") { return v }
        let embedding = try file.tensorInfo("token_embd.weight")
        guard embedding.shape.count == 2 else {
            throw ModelFileError.shapeMismatch(path: file.path, tensor: "token_embd.weight",
                                               expected: [-1, hidden], found: embedding.shape)
        }
        return embedding.shape[0]
    }

    /// The tokenizer vocabulary in `tokenizer.ggml.*` metadata, or nil when the file has no tokens.
    static func ggufVocabulary(_ file: GGUFFile, vocabSize: Int) throws -> TokenizerVocabulary? {
        let prefix = "tokenizer.ggml."
        guard file.metadata[prefix + "tokens"] != nil else { return nil }
        let tokens = try file.stringArray(prefix + "tokens")
        guard tokens.count <= vocabSize else {
            throw ModelFileError.badValue(path: file.path, key: prefix + "tokens",
                                          expected: "at most \(vocabSize) tokens (the embedding rows)",
                                          found: "\(tokens.count)")
        }
        var types: [Int32] = []
        if file.metadata[prefix + "token_type"] != nil {
            let raw = try file.intArray(prefix + "token_type")
            guard raw.count == tokens.count, raw.allSatisfy({ Int32(exactly: $0) != nil }) else {
                throw ModelFileError.badValue(path: file.path, key: prefix + "token_type",
                                              expected: "\(tokens.count) int32 types (one per token)",
                                              found: "\(raw.count) values")
            }
            types = raw.map { Int32($0) }
        }
        func tokenID(_ key: String) throws -> Int? {
            guard let id = try file.optionalInt(prefix + key) else { return nil }
            guard (0..<tokens.count).contains(id) else {
                throw ModelFileError.badValue(path: file.path, key: prefix + key,
                                              expected: "a token id below \(tokens.count)", found: "\(id)")
            }
            return id
        }
        let (model, scores) = try ggufTokenizerModel(file, tokenCount: tokens.count)
        return TokenizerVocabulary(
            model: model,
            tokens: tokens,
            tokenTypes: types,
            merges: file.metadata[prefix + "merges"] == nil ? [] : try file.stringArray(prefix + "merges"),
            scores: scores,
            preTokenizer: try file.optionalString(prefix + "pre") ?? "default",
            specialTokens: types.indices.filter { types[$0] == 3 || types[$0] == 4 },
            bosID: try tokenID("bos_token_id"),
            eosID: try tokenID("eos_token_id"),
            padID: try tokenID("padding_token_id"),
            addBOS: try file.optionalBool(prefix + "add_bos_token") ?? false)
    }

    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE, also when the key is absent) or, for Gemma,
    /// "llama" (SentencePiece BPE, with each token's merge priority).
    private static func ggufTokenizerModel(_ file: GGUFFile,
                                           tokenCount: Int) throws -> (TokenizerVocabulary.Model, [Float]) {
        let name = try file.optionalString("tokenizer.ggml.model") ?? "gpt2"
        let architecture = try file.string("general.architecture")
        switch name {
        case "gpt2":
            return (.byteLevel, [])
        case "llama" where architecture.hasPrefix("gemma"):
            if try file.optionalBool("tokenizer.ggml.add_space_prefix") == true {
                throw ModelFileError.unsupportedFeature(path: file.path,
                                                        feature: "a SentencePiece vocabulary that adds a space prefix")
            }
            // Gemma lists its tokens in merge order, which its scores do not follow; Hugging Face reads
            // these files the same way.
            return (.sentencePiece, (0..<tokenCount).map { -Float($0) })
        default:
            throw ModelFileError.unsupportedFeature(path: file.path,
                                                    feature: "tokenizer model \"\(name)\" in a \(architecture) file")
        }
    }
}
