import Base
import Foundation
@testable import LM
import Testing

@Suite struct MappedFileTests {
    /// A file of `count` pseudo-random bytes in a fresh directory.
    static func file(count: Int) throws -> (path: String, bytes: [UInt8]) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<count).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let path = try Fixtures.scratchDirectory() + "/bytes.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    @Test func releasedPagesReadTheSameBytesAgain() throws {
        let (path, bytes) = try Self.file(count: 5 * 4096 + 123)
        let file = try MappedFile(path: path)
        file.release(100..<file.bytes.count)
        file.release(0..<file.bytes.count + 9000)
        #expect(Array(file.bytes) == bytes)
    }

    /// Hashed a block at a time (and each block's pages released), the digest is the whole file's.
    @Test func theHashOfBlocksIsTheHashOfTheFile() throws {
        let (path, bytes) = try Self.file(count: (16 << 20) + 4097)
        let file = try MappedFile(path: path)
        let whole = bytes.withUnsafeBytes { ContentHash.sha256Hex($0) }
        #expect(file.sha256() == whole)
        #expect(file.sha256() == whole)
    }
}
