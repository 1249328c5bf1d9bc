import Crypto
import Foundation

/// SHA-256 digests as lowercase hex, through swift-crypto (hardware-accelerated where the CPU has it).
public enum ContentHash {
    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The SHA-256 of `data` as 64 lowercase hex digits.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// A digest's bytes as lowercase hex digits.
    public static func hex<Bytes: Sequence>(_ digest: Bytes) -> String where Bytes.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// A SHA-256 over bytes that arrive in pieces.
    public struct Hasher {
        private var state = SHA256()

        public init() {}

        /// Adds `data` to the digest.
        public mutating func update(data: Data) { state.update(data: data) }

        /// Adds `bytes` to the digest.
        public mutating func update(bytes: UnsafeRawBufferPointer) { state.update(bufferPointer: bytes) }

        /// The digest of everything added, as 64 lowercase hex digits.
        public func finalizeHex() -> String { ContentHash.hex(state.finalize()) }
    }
}
