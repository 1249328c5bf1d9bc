import CZstd
import Foundation

/// Builds tar archives byte by byte, hostile ones included.
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    /// Adds a member with a raw `name`, type flag `type` and `data`; `size` overrides the size
    /// written in the header.
    mutating func add(name: [UInt8], type: Character = "0", data: [UInt8] = [], size: Int? = nil, link: String = "") {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { header.replaceSubrange(offset..<(offset + field.count), with: field) }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(Array(name.prefix(100)), at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size ?? data.count, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(Array(type.utf8), at: 156)
        put(Array(link.utf8), at: 157)
        put(Array("ustar\0".utf8) + Array("00".utf8), at: 257)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        put(octal(header.reduce(0) { $0 + Int($1) }, width: 7) + [0x20], at: 148)
        bytes += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func add(_ name: String, type: Character = "0", data: String = "", link: String = "") {
        add(name: Array(name.utf8), type: type, data: Array(data.utf8), link: link)
    }

    /// Adds a POSIX extended header setting `path` for the next member.
    mutating func addPaxPath(_ path: String) {
        addPaxRecord("path", path)
    }

    /// Adds a POSIX extended header with the one record `key=value` for the next member.
    mutating func addPaxRecord(_ key: String, _ value: String) {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while "\(length)\(body)".utf8.count != length { length += 1 }
        add(name: Array("PaxHeader".utf8), type: "x", data: Array("\(length)\(body)".utf8))
    }

    /// Adds a GNU long-name header (type `L`) naming the next member `name`.
    mutating func addLongName(_ name: [UInt8]) {
        add(name: Array("././@LongLink".utf8), type: "L", data: name + [0])
    }

    /// The archive with its two closing zero blocks.
    var archive: [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

    /// `data` compressed as one zstd frame at `level`.
    static func zstd(_ data: [UInt8], level: Int32 = 19) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let size = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, level) }
        }
        return Array(output.prefix(size))
    }
}
