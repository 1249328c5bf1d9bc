import Base
import Tensor

/// A GGUF model file (version 2 or 3, little-endian): its metadata, tensor directory and memory-mapped
/// tensor data. Every length, count and offset is checked against the file size, so a corrupt or
/// truncated file throws a `ModelFileError` rather than crashing.
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened from (named in every error).
    public let path: String
    /// 2 or 3 (the layouts are identical for little-endian files).
    public let version: Int
    /// Metadata by key.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor directory by name.
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    /// `general.alignment` (32 when absent): tensor data offsets are multiples of it.
    public let alignment: Int
    /// Byte offset of the data section in the file.
    public let dataOffset: Int
    /// Size of the file in bytes.
    public var fileSize: Int { file.bytes.count }

    private let file: MappedFile

    /// SHA-256 of the whole file as 64 lowercase hex digits.
    public func sha256() -> String { file.sha256() }

    /// Array nesting beyond this depth is rejected (real files nest at most once).
    private static let maxArrayDepth = 8

    /// Opens and maps `path`, parsing the header, metadata and tensor directory.
    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        var reader = ByteReader(bytes: file.bytes, path: path)
        let header = try Self.readHeader(&reader, path: path)
        version = header.version
        (metadata, metadataKeys) = try Self.readMetadata(&reader, count: header.kvCount, path: path)
        alignment = try Self.alignment(in: metadata, path: path)
        let (infos, names) = try Self.readTensorDirectory(&reader, count: header.tensorCount, alignment: alignment, path: path)
        tensorNames = names
        let padding = (alignment - reader.offset % alignment) % alignment
        dataOffset = reader.offset + padding
        if !infos.isEmpty { try reader.skip(to: dataOffset, "the padding before the tensor data") }
        let available = max(0, file.bytes.count - dataOffset)
        for name in names {
            guard let info = infos[name] else { continue }
            let (end, overflow) = info.offset.addingReportingOverflow(info.byteCount)
            if overflow || end > available {
                throw ModelFileError.tensorDataOutOfBounds(path: path, tensor: name, offset: info.offset,
                                                           byteCount: info.byteCount, available: available)
            }
        }
        tensors = infos
    }

    /// The magic, the version and the two counts, the counts checked against what the file can hold.
    private static func readHeader(_ reader: inout ByteReader, path: String) throws -> (version: Int, tensorCount: Int, kvCount: Int) {
        try reader.require(4, "the GGUF magic")
        let magic = Array(reader.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else {
            throw ModelFileError.badMagic(path: path, found: magic.map(describeByte).joined(separator: " "))
        }
        _ = try reader.read(UInt32.self, "the GGUF magic")
        let rawVersion = try reader.read(UInt32.self, "the GGUF version")
        guard rawVersion == 2 || rawVersion == 3 else {
            throw ModelFileError.unsupportedVersion(path: path, version: rawVersion)
        }
        let tensorCount = try reader.read(UInt64.self, "the tensor count")
        let kvCount = try reader.read(UInt64.self, "the metadata count")
        // Each key/value pair needs at least 12 bytes and each tensor info at least 24: reject counts the
        // file cannot hold before reserving memory for them.
        let minimumBytes = kvCount.multipliedReportingOverflow(by: 12).partialValue
            .addingReportingOverflow(tensorCount.multipliedReportingOverflow(by: 24).partialValue)
        guard kvCount <= UInt64(Int32.max), tensorCount <= UInt64(Int32.max),
              minimumBytes.partialValue <= UInt64(reader.remaining) else {
            throw ModelFileError.truncated(path: path, what: "\(kvCount) metadata entries and \(tensorCount) tensor infos",
                                           offset: reader.offset, needed: Int(clamping: minimumBytes.partialValue),
                                           fileSize: reader.bytes.count)
        }
        return (Int(rawVersion), Int(tensorCount), Int(kvCount))
    }

    /// The metadata by key, and the keys in file order.
    private static func readMetadata(_ reader: inout ByteReader, count: Int,
                                     path: String) throws -> ([String: GGUFValue], [String]) {
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(count)
        for index in 0..<count {
            let key = try reader.string("metadata key #\(index)")
            let rawType = try reader.read(UInt32.self, "the type of metadata \"\(key)\"")
            let value = try readValue(&reader, type: rawType, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw ModelFileError.malformed(path: path, what: "metadata \"\(key)\"", detail: "the key appears twice")
            }
            keys.append(key)
        }
        return (metadata, keys)
    }

    /// `general.alignment`, or 32 when absent.
    private static func alignment(in metadata: [String: GGUFValue], path: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return 32 }
        guard let a = value.intValue, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
            throw ModelFileError.badValue(path: path, key: "general.alignment",
                                          expected: "a power of two up to 2^20", found: "\(value)")
        }
        return a
    }

    /// The tensor directory by name, and the names in file order.
    private static func readTensorDirectory(_ reader: inout ByteReader, count: Int, alignment: Int,
                                            path: String) throws -> ([String: GGUFTensorInfo], [String]) {
        var infos: [String: GGUFTensorInfo] = [:]
        var names: [String] = []
        names.reserveCapacity(count)
        for index in 0..<count {
            let name = try reader.string("the name of tensor #\(index)")
            let info = try readTensorInfo(&reader, name: name, alignment: alignment)
            guard infos.updateValue(info, forKey: name) == nil else {
                throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"", detail: "the name appears twice")
            }
            names.append(name)
        }
        return (infos, names)
    }

    private static func readTensorInfo(_ reader: inout ByteReader, name: String,
                                       alignment: Int) throws -> GGUFTensorInfo {
        let path = reader.path
        let dimCount = try reader.read(UInt32.self, "the dimension count of tensor \"\(name)\"")
        guard (1...4).contains(dimCount) else {
            throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                           detail: "\(dimCount) dimensions (ggml allows 1 to 4)")
        }
        var dims: [Int] = []
        var elements = 1
        for _ in 0..<dimCount {
            let raw = try reader.read(UInt64.self, "the dimensions of tensor \"\(name)\"")
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(clamping: raw))
            guard raw > 0, raw < UInt64(Int.max), !overflow else {
                throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                               detail: "dimension \(raw) is zero or too large")
            }
            dims.append(Int(raw))
            elements = product
        }
        let rawType = try reader.read(UInt32.self, "the type of tensor \"\(name)\"")
        guard let type = GGMLType(rawValue: rawType) else {
            throw ModelFileError.unknownTensorType(path: path, tensor: name, type: rawType)
        }
        let rawOffset = try reader.read(UInt64.self, "the data offset of tensor \"\(name)\"")
        guard rawOffset < UInt64(Int.max), Int(rawOffset) % alignment == 0 else {
            throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                           detail: "data offset \(rawOffset) is not a multiple of the alignment \(alignment)")
        }
        let layout = type.blockLayout
        guard dims[0] % layout.elements == 0 else {
            throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"",
                                           detail: "row length \(dims[0]) is not a multiple of the \(type.name) block size \(layout.elements)")
        }
        let (bytes, overflow) = (elements / layout.elements).multipliedReportingOverflow(by: layout.bytes)
        guard !overflow else {
            throw ModelFileError.malformed(path: path, what: "tensor \"\(name)\"", detail: "size overflows")
        }
        return GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: Int(rawOffset),
                              elementCount: elements, byteCount: bytes)
    }

    private static func readValue(_ reader: inout ByteReader, type: UInt32, key: String,
                                  depth: Int) throws -> GGUFValue {
        let what = "the value of metadata \"\(key)\""
        switch type {
        case 0: return .uint8(try reader.read(UInt8.self, what))
        case 1: return .int8(try reader.read(Int8.self, what))
        case 2: return .uint16(try reader.read(UInt16.self, what))
        case 3: return .int16(try reader.read(Int16.self, what))
        case 4: return .uint32(try reader.read(UInt32.self, what))
        case 5: return .int32(try reader.read(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try reader.read(UInt32.self, what)))
        case 7:
            let byte = try reader.read(UInt8.self, what)
            guard byte <= 1 else {
                throw ModelFileError.badValue(path: reader.path, key: key, expected: "a bool (0 or 1)", found: "\(byte)")
            }
            return .bool(byte == 1)
        case 8: return .string(try reader.string(what))
        case 9:
            guard depth < maxArrayDepth else {
                throw ModelFileError.malformed(path: reader.path, what: "metadata \"\(key)\"",
                                               detail: "arrays nested more than \(maxArrayDepth) deep")
            }
            let elementType = try reader.read(UInt32.self, "the element type of metadata \"\(key)\"")
            let count = try reader.read(UInt64.self, "the length of metadata \"\(key)\"")
            // Every element takes at least one byte, so a longer count cannot fit in the file.
            guard count <= UInt64(reader.remaining) else {
                throw ModelFileError.truncated(path: reader.path, what: "metadata \"\(key)\" (array of \(count) elements)",
                                               offset: reader.offset, needed: Int(clamping: count),
                                               fileSize: reader.bytes.count)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                elements.append(try readValue(&reader, type: elementType, key: key, depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try reader.read(UInt64.self, what))
        case 11: return .int64(try reader.read(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try reader.read(UInt64.self, what)))
        default:
            throw ModelFileError.malformed(path: reader.path, what: "metadata \"\(key)\"",
                                           detail: "unknown value type \(type)")
        }
    }

    // MARK: - Typed metadata access

    /// The directory entry of tensor `name`; throws `missingTensor` if absent.
    public func tensorInfo(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensors[name] else { throw ModelFileError.missingTensor(path: path, tensor: name) }
        return info
    }

    /// Tensor `name` converted to float32, in stored (row-major, `dimensions[0]` contiguous) order.
    public func dequantize(_ name: String) throws -> FloatBuffer { try stored(name).floats() }

    /// Tensor `name` as stored, to be read in row blocks.
    func stored(_ name: String) throws -> StoredTensor {
        let info = try tensorInfo(name)
        guard info.type.isDequantizable else {
            throw ModelFileError.unsupportedTensorType(path: path, tensor: name, type: info.type.name)
        }
        // The init checked offset + byteCount against the data section.
        return StoredTensor(type: info.type, shape: info.shape, offset: dataOffset + info.offset, file: file)
    }
}

/// A byte as the character in quotes when printable, else as 0xNN.
private func describeByte(_ byte: UInt8) -> String {
    if (0x20..<0x7F).contains(byte) { return "'" + String(UnicodeScalar(byte)) + "'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "0x" + (hex.count == 1 ? "0" + hex : hex)
}
