/// A bounds-checked little-endian cursor over a file's bytes: every read that would pass the end
/// throws `ModelFileError.truncated` naming `what` was being read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        if count < 0 || count > remaining {
            throw ModelFileError.truncated(path: path, what: what(), offset: offset, needed: count,
                                           fileSize: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// A GGUF string: a u64 byte length then UTF-8 bytes (invalid sequences become U+FFFD).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw ModelFileError.truncated(path: path, what: "\(what()) (string of \(length) bytes)", offset: offset,
                                           needed: Int(clamping: length), fileSize: bytes.count)
        }
        let count = Int(length)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self)
        offset += count
        return text
    }

    mutating func skip(to newOffset: Int, _ what: @autoclosure () -> String) throws {
        try require(newOffset - offset, what())
        offset = newOffset
    }
}
