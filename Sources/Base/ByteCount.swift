import Foundation

/// A byte count for messages: "512 MiB", "1.5 KiB", "17 bytes".
public struct ByteCount: CustomStringConvertible, Sendable {
    public let bytes: Int
    public init(_ bytes: Int) { self.bytes = bytes }
    public init(_ bytes: Int64) { self.bytes = Int(clamping: bytes) }

    public var description: String {
        let units: [(Int, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value)) \(name)" : String(format: "%.1f", value) + " " + name
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
