/// Why a model file could not be read, written or mapped onto a decoder. Every description names the
/// file, the key or tensor concerned, what was expected and what was found, and what to do about it.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, mapped or read.
    case cannotOpen(path: String, reason: String)
    /// The file does not start with the GGUF magic.
    case badMagic(path: String, found: String)
    /// A GGUF version this reader does not handle.
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends before `what` (which needed `needed` bytes at byte `offset`).
    case truncated(path: String, what: String, offset: Int, needed: Int, fileSize: Int)
    /// A structurally invalid field (bad value type, absurd count, duplicate name, ...).
    case malformed(path: String, what: String, detail: String)
    /// A tensor whose ggml type number no known ggml version defines.
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    /// A tensor of a known type this reader cannot convert to float32.
    case unsupportedTensorType(path: String, tensor: String, type: String)
    /// A tensor whose bytes lie (partly) outside the file.
    case tensorDataOutOfBounds(path: String, tensor: String, offset: Int, byteCount: Int, available: Int)
    /// A required metadata key (GGUF) or config field (config.json) is absent.
    case missingKey(path: String, key: String)
    /// A metadata value or config field has the wrong type or an invalid value.
    case badValue(path: String, key: String, expected: String, found: String)
    /// A required tensor is absent.
    case missingTensor(path: String, tensor: String)
    /// A tensor's shape disagrees with the model's hyperparameters.
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// The file describes a model family this engine does not run.
    case unsupportedArchitecture(path: String, architecture: String)
    /// A model feature this engine does not implement (rope scaling, sharded checkpoints, ...).
    case unsupportedFeature(path: String, feature: String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open: \(reason). Check that the path exists and is a readable file."
        case let .badMagic(path, found):
            return "\(path): not a GGUF file (expected magic \"GGUF\", found \(found)). "
                + "Pass a .gguf model file or a Hugging Face folder with config.json and model.safetensors."
        case let .unsupportedVersion(path, version):
            let hint = version > 0xFFFF && version.byteSwapped <= 3
                ? " The file looks big-endian; only little-endian GGUF files are supported."
                : " Re-convert the model with a current llama.cpp (GGUF v2 or v3)."
            return "\(path): unsupported GGUF version \(version) (this reader handles versions 2 and 3).\(hint)"
        case let .truncated(path, what, offset, needed, fileSize):
            return "\(path): truncated: \(what) needs \(needed) bytes at offset \(offset), "
                + "but the file has \(fileSize) bytes. The file is incomplete or corrupt: download it again."
        case let .malformed(path, what, detail):
            return "\(path): malformed \(what): \(detail). The file is corrupt or not a model file: download it again."
        case let .unknownTensorType(path, tensor, type):
            return "\(path): tensor \"\(tensor)\" has unknown ggml type \(type). "
                + "The file is corrupt or uses a newer format: use an F32, F16, BF16, Q8_0, Q4_0/1, Q5_0/1 or Q4_K/Q5_K/Q6_K model."
        case let .unsupportedTensorType(path, tensor, type):
            return "\(path): tensor \"\(tensor)\" has type \(type), which cannot be converted to float32 here. "
                + "Use a model quantized as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K."
        case let .tensorDataOutOfBounds(path, tensor, offset, byteCount, available):
            return "\(path): tensor \"\(tensor)\" data (\(byteCount) bytes at data offset \(offset)) runs past "
                + "the end of the data section (\(available) bytes). The file is truncated or corrupt: download it again."
        case let .missingKey(path, key):
            return "\(path): required key \"\(key)\" is missing. The file was not written by a supported converter; "
                + "re-convert the model or add the key."
        case let .badValue(path, key, expected, found):
            return "\(path): key \"\(key)\": expected \(expected), found \(found). Fix or re-convert the model file."
        case let .missingTensor(path, tensor):
            return "\(path): required tensor \"\(tensor)\" is missing. The file is incomplete or not a supported decoder."
        case let .shapeMismatch(path, tensor, expected, found):
            return "\(path): tensor \"\(tensor)\" has shape \(found), expected \(expected) from the model's "
                + "hyperparameters. The weights and the metadata/config disagree: re-convert the model."
        case let .unsupportedArchitecture(path, architecture):
            let known = ModelFamily.all.map(\.name).joined(separator: ", ")
            return "\(path): architecture \"\(architecture)\" is not supported (supported: \(known)). "
                + "Use a Llama- or Qwen2-family model."
        case let .unsupportedFeature(path, feature):
            return "\(path): \(feature) is not supported. Use a model without it."
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason). Check the directory exists, is writable and the disk has space."
        }
    }
}
