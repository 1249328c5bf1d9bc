import Foundation

/// Why a Hugging Face `tokenizer.json` (or the `tokenizer_config.json` beside it) could not be read.
public struct TokenizerFileError: Error, Equatable, CustomStringConvertible {
    /// The file's path.
    public let file: String
    /// The JSON field at fault, dotted (`model.merges[3]`), or empty for the file as a whole.
    public let field: String
    /// What is wrong with it.
    public let problem: String

    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): \(field): \(problem)"
    }
}

extension TokenizerVocabulary {
    /// Reads a Hugging Face `tokenizer.json` holding a byte-level BPE model, and BOS, EOS,
    /// padding and `add_bos_token` from the `tokenizer_config.json` beside it when there is one.
    ///
    /// `model.merges` may be `"left right"` strings or `[left, right]` pairs. Every entry of
    /// `added_tokens` is matched verbatim in text: special ones as control tokens (type 3),
    /// the others as user-defined tokens (type 4). The pre-tokenizer must be one this package
    /// implements: `ByteLevel` with `use_regex` (GPT-2), `Digits` with `individual_digits` then
    /// `ByteLevel` (SmolLM), or a `Split` on the Llama-3 or Qwen2 pattern then `ByteLevel`.
    public init(huggingFaceTokenizerFile path: String) throws(TokenizerFileError) {
        let root = try JSONFile(path: path)
        let model = try root.object(root.value, "model")
        if let type = model["type"], type as? String != "BPE" {
            throw root.error("model.type", "\(type) is not supported; only BPE is")
        }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw root.error("model.vocab", "missing or not an object of token to id")
        }
        var tokensByID = [Int: String](minimumCapacity: vocab.count)
        for (token, value) in vocab {
            guard let id = value as? Int, id >= 0 else {
                throw root.error("model.vocab[\"\(token)\"]", "not a non-negative integer id")
            }
            tokensByID[id] = token
        }
        let merges = try TokenizerVocabulary.merges(model["merges"], root)

        var types = [Int: Int32]()
        var special: [Int] = []
        if let added = root.value["added_tokens"] {
            guard let list = added as? [Any] else { throw root.error("added_tokens", "not an array") }
            for (index, entry) in list.enumerated() {
                guard let entry = entry as? [String: Any], let id = entry["id"] as? Int, id >= 0,
                      let content = entry["content"] as? String
                else { throw root.error("added_tokens[\(index)]", "needs an integer id and a string content") }
                tokensByID[id] = content
                types[id] = (entry["special"] as? Bool ?? false) ? 3 : 4
                special.append(id)
            }
        }
        let count = (tokensByID.keys.max() ?? -1) + 1
        var tokens: [String] = []
        tokens.reserveCapacity(count)
        for id in 0..<count {
            guard let token = tokensByID[id] else { throw root.error("model.vocab", "no token has id \(id)") }
            tokens.append(token)
        }

        if let normalizer = root.value["normalizer"], !(normalizer is NSNull) {
            throw root.error("normalizer", "normalizers are not supported (\(JSONFile.typeName(normalizer)))")
        }
        let preTokenizer = try TokenizerVocabulary.preTokenizerName(root.value["pre_tokenizer"], root)

        let ids = Dictionary(tokens.enumerated().map { ($1, $0) }) { first, _ in first }
        let configPath = URL(fileURLWithPath: path).deletingLastPathComponent()
            .appendingPathComponent("tokenizer_config.json").path
        var bos: Int?, eos: Int?, pad: Int?, addBOS = false
        if FileManager.default.fileExists(atPath: configPath) {
            let config = try JSONFile(path: configPath)
            bos = try config.tokenID(of: "bos_token", in: ids)
            eos = try config.tokenID(of: "eos_token", in: ids)
            pad = try config.tokenID(of: "pad_token", in: ids)
            addBOS = config.value["add_bos_token"] as? Bool ?? false
        }
        self.init(tokens: tokens, tokenTypes: (0..<count).map { types[$0] ?? 1 }, merges: merges,
                  preTokenizer: preTokenizer, specialTokens: special.sorted(),
                  bosID: bos, eosID: eos, padID: pad, addBOS: addBOS)
    }

    private static func merges(_ value: Any?, _ file: JSONFile) throws(TokenizerFileError) -> [String] {
        guard let list = value as? [Any] else {
            throw file.error("model.merges", "missing or not an array")
        }
        var merges: [String] = []
        merges.reserveCapacity(list.count)
        for (index, entry) in list.enumerated() {
            if let rule = entry as? String, rule.contains(" ") {
                merges.append(rule)
            } else if let pair = entry as? [Any], pair.count == 2,
                      let left = pair[0] as? String, let right = pair[1] as? String {
                merges.append(left + " " + right)
            } else {
                throw file.error("model.merges[\(index)]", "neither \"left right\" nor [left, right]")
            }
        }
        return merges
    }

    /// The Split patterns of the Llama-3 and Qwen2 `tokenizer.json`, by GGUF pre-tokenizer name.
    static let splitPatterns: [String: String] = [
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: "llama-bpe",
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: "qwen2",
    ]

    private static func preTokenizerName(_ value: Any?, _ file: JSONFile) throws(TokenizerFileError) -> String {
        let unsupported = { (detail: String) in
            file.error("pre_tokenizer", "\(detail) is not supported; expected ByteLevel with use_regex, "
                       + "Digits(individual_digits) then ByteLevel, or a Split on the Llama-3 or Qwen2 pattern then ByteLevel")
        }
        guard let step = value as? [String: Any] else { throw unsupported(JSONFile.typeName(value)) }
        let steps: [[String: Any]]
        if step["type"] as? String == "Sequence" {
            guard let list = step["pretokenizers"] as? [[String: Any]] else {
                throw file.error("pre_tokenizer.pretokenizers", "missing or not an array of objects")
            }
            steps = list
        } else {
            steps = [step]
        }
        let names = steps.map { $0["type"] as? String ?? "?" }
        let byteLevel = steps.last.flatMap { $0["type"] as? String == "ByteLevel" ? $0 : nil }
        guard let byteLevel, byteLevel["add_prefix_space"] as? Bool != true else {
            throw unsupported(names.joined(separator: ", ") + " (the last step must be ByteLevel without add_prefix_space)")
        }
        let usesRegex = byteLevel["use_regex"] as? Bool ?? true
        switch steps.count {
        case 1 where usesRegex:
            return "gpt2"
        case 2 where usesRegex && names[0] == "Digits" && steps[0]["individual_digits"] as? Bool == true:
            return "smollm"
        case 2 where !usesRegex && names[0] == "Split":
            let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
            guard let name = splitPatterns[pattern], steps[0]["behavior"] as? String == "Isolated",
                  steps[0]["invert"] as? Bool != true
            else { throw unsupported("Split on \"\(pattern)\"") }
            return name
        default:
            throw unsupported(names.joined(separator: ", ") + (usesRegex ? "" : " (ByteLevel without use_regex)"))
        }
    }
}

/// A parsed JSON object file, for errors that name the file.
private struct JSONFile {
    let path: String
    let value: [String: Any]

    init(path: String) throws(TokenizerFileError) {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenizerFileError(file: path, field: "", problem: "cannot be read (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerFileError(file: path, field: "", problem: "is not a JSON object")
        }
        value = object
    }

    func error(_ field: String, _ problem: String) -> TokenizerFileError {
        TokenizerFileError(file: path, field: field, problem: problem)
    }

    func object(_ parent: [String: Any], _ field: String) throws(TokenizerFileError) -> [String: Any] {
        guard let object = parent[field] as? [String: Any] else { throw error(field, "missing or not an object") }
        return object
    }

    /// The id of the token a config field names, either as a string or as `{"content": …}`.
    func tokenID(of field: String, in ids: [String: Int]) throws(TokenizerFileError) -> Int? {
        guard let entry = value[field], !(entry is NSNull) else { return nil }
        guard let content = entry as? String ?? (entry as? [String: Any])?["content"] as? String else {
            throw error(field, "neither a string nor an object with a string content")
        }
        guard let id = ids[content] else { throw error(field, "\"\(content)\" is not in the vocabulary") }
        return id
    }

    static func typeName(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        return (value as? [String: Any])?["type"] as? String ?? "\(type(of: value))"
    }
}
