import Base
import Foundation
import Tensor

/// One tensor's entry in a safetensors header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The header key.
    public let name: String
    /// The dtype as safetensors spells it ("F32", "BF16", ...).
    public let dtype: String
    /// Row-major shape, outermost first.
    public let shape: [Int]
    /// Byte range within the data section.
    public let dataRange: Range<Int>
}

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header, then
/// the tensor bytes. Offsets and sizes are checked against the file; F32, F16 and BF16 tensors
/// convert to float32.
public final class SafetensorsFile: @unchecked Sendable {
    /// The path the file was opened from (named in every error).
    public let path: String
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// Tensor entries by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in data order.
    public var tensorNames: [String] {
        tensors.values.sorted { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }.map(\.name)
    }

    private let file: MappedFile
    private let dataOffset: Int

    /// Header size limit, as in the reference implementation.
    private static let maxHeaderBytes = 100_000_000
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// Opens and maps `path` and validates its header.
    public convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path))
    }

    /// A safetensors file's `contents` held in memory (copied), named `name` in errors.
    public convenience init(contents: Data, name: String) throws {
        try self.init(file: contents.withUnsafeBytes { MappedFile(copying: $0, path: name) })
    }

    private init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        var reader = ByteReader(bytes: file.bytes, path: path)
        let headerLength = try reader.read(UInt64.self, "the safetensors header length")
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw ModelFileError.malformed(path: path, what: "safetensors header",
                                           detail: "header length \(headerLength) exceeds \(Self.maxHeaderBytes) bytes")
        }
        try reader.require(Int(headerLength), "the safetensors JSON header")
        dataOffset = 8 + Int(headerLength)
        let json = Data(file.bytes[8..<dataOffset])
        let header: SafetensorsHeader
        do {
            header = try JSONDecoder().decode(SafetensorsHeader.self, from: json)
        } catch {
            throw ModelFileError.malformed(path: path, what: "safetensors JSON header", detail: "\(error)")
        }
        metadata = header.metadata
        let dataSize = file.bytes.count - dataOffset
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for (name, entry) in header.entries {
            guard let elementSize = Self.elementSizes[entry.dtype] else {
                throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"", detail: "unknown dtype \(entry.dtype)")
            }
            var bytes = elementSize
            for dim in entry.shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
                guard dim >= 0, !overflow else {
                    throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"", detail: "invalid shape \(entry.shape)")
                }
                bytes = product
            }
            guard entry.dataOffsets.count == 2, entry.dataOffsets[0] >= 0, entry.dataOffsets[0] <= entry.dataOffsets[1] else {
                throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                               detail: "invalid data_offsets \(entry.dataOffsets)")
            }
            let range = entry.dataOffsets[0]..<entry.dataOffsets[1]
            guard range.upperBound <= dataSize else {
                throw ModelFileError.tensorDataOutOfBounds(path: path, tensor: name, offset: range.lowerBound,
                                                           byteCount: range.count, available: dataSize)
            }
            guard range.count == bytes else {
                throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                               detail: "\(range.count) data bytes, but \(entry.dtype) \(entry.shape) needs \(bytes)")
            }
            tensors[name] = SafetensorsTensorInfo(name: name, dtype: entry.dtype, shape: entry.shape, dataRange: range)
        }
        self.tensors = tensors
    }

    /// SHA-256 of the whole file as 64 lowercase hex digits.
    public func sha256() -> String { file.sha256() }

    /// The entry of tensor `name`; throws `missingTensor` if absent.
    public func tensorInfo(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw ModelFileError.missingTensor(path: path, tensor: name) }
        return info
    }

    /// Tensor `name` (F32, F16 or BF16) as float32, row-major.
    public func floats(_ name: String) throws -> FloatBuffer { try stored(name).floats() }

    /// Tensor `name` (F32, F16 or BF16) as stored, to be read in row blocks.
    func stored(_ name: String) throws -> StoredTensor {
        let info = try tensorInfo(name)
        let type: GGMLType
        switch info.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw ModelFileError.unsupportedTensorType(path: path, tensor: name, type: info.dtype)
        }
        return StoredTensor(type: type, shape: info.shape, offset: dataOffset + info.dataRange.lowerBound, file: file)
    }
}

/// A safetensors JSON header: tensor entries plus the optional string-to-string `__metadata__`.
struct SafetensorsHeader: Codable {
    struct Entry: Codable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let metadataKey = "__metadata__"
    var entries: [String: Entry]
    var metadata: [String: String]

    init(entries: [String: Entry], metadata: [String: String]) {
        self.entries = entries
        self.metadata = metadata
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        entries = [:]
        metadata = [:]
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        if !metadata.isEmpty { try container.encode(metadata, forKey: Key(stringValue: Self.metadataKey)) }
        for (name, entry) in entries { try container.encode(entry, forKey: Key(stringValue: name)) }
    }
}
