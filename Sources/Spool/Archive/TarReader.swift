import Base

/// One member of a tar archive, as its headers describe it.
struct TarEntry {
    /// The path, as raw bytes: not necessarily UTF-8.
    var name: [UInt8]
    /// The type flag: `0` (or NUL, or `7`) regular file, `5` folder, `1` hard link, `2` symbolic
    /// link, `3`/`4` device, `6` FIFO, others unknown.
    var type: UInt8
    /// Bytes of data that follow the header.
    var size: Int
}

/// Reads a tar stream: POSIX ustar headers (name with `prefix`), with the GNU long-name (`L`) and
/// POSIX extended (`x`: `path`, `size`) headers that real archivers write; global extended headers
/// (`g`) are read and ignored.
///
/// A header block is 512 bytes: `name` at 0 (100 bytes), `mode` 100, `uid` 108, `gid` 116,
/// `size` 124 (12, octal or GNU base-256), `mtime` 136, `chksum` 148 (8), `typeflag` 156,
/// `linkname` 157 (100), `magic` 257 (6: `ustar\0`, or `ustar ` for GNU), `version` 263, names
/// and devices up to `prefix` at 345 (155). Data follows in 512-byte blocks; two zero blocks end.
final class TarReader {
    static let block = 512
    /// The most bytes of long-name and extended headers accepted in all.
    static let maxMetadataBytes = 16 << 20

    private let source: ByteSource
    /// The archive's name, for problems.
    let archive: String
    /// Bytes of the current entry's data not read yet, and of its padding.
    private var remaining = 0
    private var padding = 0
    /// Headers read so far, extended ones included, and the most allowed.
    private(set) var headers = 0
    private let maxHeaders: Int
    private var metadataBytes = 0

    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    init(source: ByteSource, archive: String, maxHeaders: Int) {
        self.source = source
        self.archive = archive
        self.maxHeaders = maxHeaders
    }

    deinit { scratch.deallocate() }

    /// The next entry, after skipping what is left of the current one; nil at the end.
    func next() throws(TaskProblem) -> TarEntry? {
        try skipData()
        var longName: [UInt8]?
        var paxPath: [UInt8]?
        var paxSize: Int?
        while true {
            let header = try readBytes(Self.block)
            let count = header.count
            if count == 0, headers == 0 { throw problem("the archive is empty") }
            if count == 0 || header.allSatisfy({ $0 == 0 }) {
                if longName != nil || paxPath != nil { throw problem("the archive ends after an extended header") }
                return nil
            }
            guard count == Self.block else { throw problem("the archive is truncated") }
            headers += 1
            guard headers <= maxHeaders else {
                throw problem("the archive has more than \(maxHeaders) entries", hint: "a bundle needs only a few files")
            }
            guard Self.checksumMatches(header) else {
                throw problem(headers == 1 ? "not a tar archive" : "header \(headers) is damaged (bad checksum)",
                              hint: headers == 1 ? "make it with tar -cf NAME.tar NAME" : nil)
            }
            guard let size = Self.number(header[124..<136]) else {
                throw problem("header \(headers) has an unreadable size")
            }
            let type = header[156]
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"), UInt8(ascii: "g"):
                guard size <= Self.maxMetadataBytes - metadataBytes else {
                    throw problem("the extended headers exceed \(ByteCount(Self.maxMetadataBytes))")
                }
                metadataBytes += size
                let data = try readData(size)
                if type == UInt8(ascii: "L") {
                    longName = Array(data.prefix { $0 != 0 })
                } else if type == UInt8(ascii: "x") {
                    let records = try Self.paxRecords(data, archive: archive)
                    paxPath = records["path"] ?? paxPath
                    if let text = records["size"] {
                        guard let value = Int(String(decoding: text, as: UTF8.self)), value >= 0 else {
                            throw problem("an extended header has an unreadable size")
                        }
                        paxSize = value
                    }
                }
            default:
                var name = Array(header[0..<100].prefix { $0 != 0 })
                let prefix = header[345..<500].prefix { $0 != 0 }
                if header[257..<263].elementsEqual(Array("ustar\0".utf8)), !prefix.isEmpty {
                    name = Array(prefix) + [UInt8(ascii: "/")] + name
                }
                let entry = TarEntry(name: paxPath ?? longName ?? name, type: type, size: paxSize ?? size)
                remaining = entry.size
                padding = (Self.block - entry.size % Self.block) % Self.block
                return entry
            }
        }
    }

    /// Reads up to `buffer.count` bytes of the current entry's data; 0 when all is read.
    func readData(into buffer: UnsafeMutableRawBufferPointer) throws(TaskProblem) -> Int {
        guard remaining > 0 else { return 0 }
        let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(min(buffer.count, remaining)))
        let count = try source.read(into: wanted)
        guard count > 0 else { throw problem("the archive is truncated") }
        remaining -= count
        return count
    }

    /// Skips the rest of the current entry's data and its padding.
    func skipData() throws(TaskProblem) {
        while remaining > 0 { _ = try readData(into: scratch) }
        if padding > 0 {
            let count = padding
            padding = 0
            guard try readBytes(count).count == count else { throw problem("the archive is truncated") }
        }
    }

    /// The `size` bytes of an extended header's data, its padding skipped.
    private func readData(_ size: Int) throws(TaskProblem) -> [UInt8] {
        let pad = (Self.block - size % Self.block) % Self.block
        let data = try readBytes(size)
        guard data.count == size, try readBytes(pad).count == pad else { throw problem("the archive is truncated") }
        return data
    }

    /// The next `count` bytes of the stream; fewer only when it ends first.
    private func readBytes(_ count: Int) throws(TaskProblem) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let wanted = UnsafeMutableRawBufferPointer(rebasing: scratch.prefix(min(scratch.count, count - bytes.count)))
            let read = try source.read(into: wanted)
            if read == 0 { break }
            bytes += scratch.prefix(read)
        }
        return bytes
    }

    func problem(_ message: String, hint: String? = nil) -> TaskProblem {
        TaskProblem(file: archive, message: message, hint: hint)
    }

    /// Whether the header's checksum field holds the sum of its bytes, the field counted as spaces.
    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = number(header[148..<156]) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 0x20 : Int(byte) }
        return sum == stored
    }

    /// A numeric field: octal digits padded with spaces or NULs, or GNU base-256 (high bit set).
    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        if let first = field.first, first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return nil }
            var value = Int(first & 0x3F)
            for byte in field.dropFirst() {
                guard value <= (Int.max >> 8) else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit), value <= (Int.max >> 3) else { return nil }
            value = value << 3 | Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// The records of a POSIX extended header: `LENGTH KEY=VALUE\n`, LENGTH counting the whole record.
    static func paxRecords(_ data: [UInt8], archive: String) throws(TaskProblem) -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var start = 0
        while start < data.count, data[start] != 0 {
            guard let space = data[start...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[start..<space], as: UTF8.self)),
                  length > space - start, length <= data.count - start, data[start + length - 1] == 0x0A,
                  let equals = data[(space + 1)..<(start + length)].firstIndex(of: UInt8(ascii: "=")) else {
                throw TaskProblem(file: archive, message: "an extended header is malformed")
            }
            records[String(decoding: data[(space + 1)..<equals], as: UTF8.self)] = Array(data[(equals + 1)..<(start + length - 1)])
            start += length
        }
        return records
    }
}
