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

    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw ModelFileError.writeFailed(path: temporary, reason: errnoText()) }
    do {
        defer { close(fd) }
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try writeAll(fd, $0, temporary) }
        try header.withUnsafeBytes { try writeAll(fd, $0, temporary) }
        for tensor in tensors {
            try writeAll(fd, UnsafeRawBufferPointer(start: tensor.values.pointer, count: tensor.values.count * 4), temporary)
        }
        guard fsync(fd) == 0 else { throw ModelFileError.writeFailed(path: temporary, reason: "fsync: \(errnoText())") }
    } catch {
        unlink(temporary)
        throw error
    }
    guard rename(temporary, path) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw ModelFileError.writeFailed(path: path, reason: "rename from \(temporary): \(reason)")
    }
    let directory = (path as NSString).deletingLastPathComponent
    let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dirFD >= 0 else { throw ModelFileError.writeFailed(path: directory, reason: "open directory: \(errnoText())") }
    defer { close(dirFD) }
    guard fsync(dirFD) == 0 else { throw ModelFileError.writeFailed(path: directory, reason: "fsync directory: \(errnoText())") }
}

private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws {
    guard let base = bytes.baseAddress else { return }
    var done = 0
    while done < bytes.count {
        let n = write(fd, base + done, bytes.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            throw ModelFileError.writeFailed(path: path, reason: errnoText())
        }
        done += n
    }
}
