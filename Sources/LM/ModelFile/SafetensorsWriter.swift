import Base
import Foundation
import Glibc
import Tensor

/// A float32 tensor to write with `writeSafetensors`.
public struct SafetensorsTensor: Sendable {
    /// The header key; must be unique and not `__metadata__`.
    public var name: String
    /// Row-major shape, outermost first; its product must equal the value count.
    public var shape: [Int]
    public var values: FloatBuffer

    /// A tensor whose values are written straight from `values` (no copy).
    public init(name: String, shape: [Int], values: FloatBuffer) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// A tensor holding a copy of `values`.
    public init(name: String, shape: [Int], values: [Float]) {
        self.init(name: name, shape: shape, values: FloatBuffer(values))
    }
}

/// Writes `tensors` as F32 in the given order, with `metadata` as the header's `__metadata__`.
/// Atomic: the bytes go to `path.tmp`, which is fsynced and renamed over `path`, and then the
/// directory is fsynced, so a crash leaves either the old file or the complete new one.
public func writeSafetensors(tensors: [SafetensorsTensor], metadata: [String: String] = [:], to path: String) throws {
    var entries: [String: SafetensorsHeader.Entry] = [:]
    var offset = 0
    for tensor in tensors {
        guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.reduce(1, *) == tensor.values.count else {
            throw ModelFileError.writeFailed(path: path, reason: "tensor \"\(tensor.name)\" has \(tensor.values.count) "
                                                 + "values but shape \(tensor.shape)")
        }
        guard tensor.name != SafetensorsHeader.metadataKey, entries[tensor.name] == nil else {
            throw ModelFileError.writeFailed(path: path, reason: "tensor name \"\(tensor.name)\" is reserved or repeated")
        }
        let size = tensor.values.count * 4
        entries[tensor.name] = .init(dtype: "F32", shape: tensor.shape, dataOffsets: [offset, offset + size])
        offset += size
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var header = try encoder.encode(SafetensorsHeader(entries: entries, metadata: metadata))
    // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
    header.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

    try AtomicFile.write(to: path) { sink in
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try sink.write($0) }
        try sink.write(header)
        for tensor in tensors {
            try sink.write(UnsafeRawBufferPointer(start: tensor.values.pointer, count: tensor.values.count * 4))
        }
    }
}
