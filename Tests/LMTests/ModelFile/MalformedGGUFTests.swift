import Foundation
@testable import LM
import Testing

/// Corrupted copies of a valid fixture must throw errors that name the problem, never crash.
@Suite struct MalformedGGUFTests {
    let original: [UInt8]

    init() throws { original = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-llama.gguf")))) }

    /// Writes `bytes` to a scratch file and returns the error opening (and loading) it throws.
    func error(_ bytes: [UInt8], load: Bool = false) throws -> ModelFileError? {
        let path = try Fixtures.scratchDirectory() + "/corrupt.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            if load { _ = try ModelLoader.load(path: path) } else { _ = try GGUFFile(path: path) }
            return nil
        } catch let error as ModelFileError {
            return error
        }
    }

    /// The byte offset of the first occurrence of `text` in the file.
    func offset(of text: String) -> Int? {
        let needle = Array(text.utf8)
        return original.indices.first { start in
            start + needle.count <= original.count && Array(original[start..<start + needle.count]) == needle
        }
    }

    func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }

    @Test func badMagic() throws {
        var bytes = original
        bytes[0] = UInt8(ascii: "X")
        let message = try #require(try error(bytes)).description
        #expect(message.contains("not a GGUF file") && message.contains("corrupt.gguf"))
    }

    @Test func versionTwoReadsAndVersionOneIsRejected() throws {
        var bytes = original
        bytes[4] = 2
        let path = try Fixtures.scratchDirectory() + "/v2.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try GGUFFile(path: path).version == 2)
        bytes[4] = 1
        let message = try #require(try error(bytes)).description
        #expect(message.contains("unsupported GGUF version 1"))
    }

    @Test func truncatedHeaderAndMetadata() throws {
        for length in [0, 3, 10, 23, 100, 1000] {
            let message = try #require(try error(Array(original[0..<length]))).description
            #expect(message.contains("truncated"), "\(length) bytes: \(message)")
        }
    }

    @Test func truncatedTensorData() throws {
        let message = try #require(try error(Array(original.dropLast(100)))).description
        #expect(message.contains("runs past the end") && message.contains("tensor \"blk.1."), "\(message)")
    }

    @Test func tensorOffsetPastEnd() throws {
        // The tensor directory entry ends with: u32 type, u64 offset. token_embd.weight is F16 (type 1).
        let nameStart = try #require(offset(of: "token_embd.weight"))
        let offsetAt = nameStart + "token_embd.weight".utf8.count + 4 + 2 * 8 + 4
        var bytes = original
        bytes.replaceSubrange(offsetAt..<offsetAt + 8, with: le64(1 << 40))
        let message = try #require(try error(bytes)).description
        #expect(message.contains("\"token_embd.weight\"") && message.contains("runs past the end"), "\(message)")
    }

    @Test func unknownTensorType() throws {
        let nameStart = try #require(offset(of: "token_embd.weight"))
        let typeAt = nameStart + "token_embd.weight".utf8.count + 4 + 2 * 8
        var bytes = original
        bytes[typeAt] = 99
        let message = try #require(try error(bytes)).description
        #expect(message.contains("unknown ggml type 99") && message.contains("\"token_embd.weight\""), "\(message)")
    }

    @Test func stringLengthPastEnd() throws {
        // The first key's u64 length sits right after the 24-byte header.
        var bytes = original
        bytes.replaceSubrange(24..<32, with: le64(UInt64.max - 3))
        let message = try #require(try error(bytes)).description
        #expect(message.contains("truncated") && message.contains("metadata key #0"), "\(message)")
    }

    @Test func arrayLengthPastEnd() throws {
        // tokenizer.ggml.tokens: key, u32 type (9), u32 element type (8), u64 count.
        let keyStart = try #require(offset(of: "tokenizer.ggml.tokens"))
        let countAt = keyStart + "tokenizer.ggml.tokens".utf8.count + 8
        var bytes = original
        bytes.replaceSubrange(countAt..<countAt + 8, with: le64(1 << 50))
        let message = try #require(try error(bytes)).description
        #expect(message.contains("truncated") && message.contains("tokenizer.ggml.tokens"), "\(message)")
    }

    @Test func unknownArchitecture() throws {
        // "llama" → "llamb": same length, so the file stays well-formed.
        let archAt = try #require(offset(of: "llama"))
        var bytes = original
        bytes[archAt + 4] = UInt8(ascii: "b")
        let message = try #require(try error(bytes, load: true)).description
        #expect(message.contains("architecture \"llamb\" is not supported"), "\(message)")
    }

    @Test func everyTruncationThrowsInsteadOfCrashing() throws {
        for length in stride(from: 0, to: original.count, by: 97) {
            #expect(try error(Array(original[0..<length]), load: true) != nil, "\(length) bytes")
        }
    }

    /// Random single-byte corruptions of the header, metadata and tensor directory (deterministic).
    @Test func corruptedBytesThrowOrLoadButNeverCrash() throws {
        let headerEnd = try GGUFFile(path: Fixtures.path("tiny-llama.gguf")).dataOffset
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var bytes = original
            let at = Int(generator.next() % UInt64(headerEnd))
            bytes[at] = UInt8(truncatingIfNeeded: generator.next())
            _ = try error(bytes, load: true)
        }
    }

    @Test func unsupportedTensorType() throws {
        // Relabel the Q4_K tensor as Q2_K (smaller blocks, so its bytes still fit in the file).
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("quants.gguf"))))
        let name = Array("q4_k".utf8)
        let nameStart = try #require(bytes.indices.first { start in
            Array(bytes[start..<start + name.count]) == name && bytes[start + name.count] == 2  // then n_dims = 2
        })
        bytes[nameStart + name.count + 4 + 2 * 8] = 10
        let path = try Fixtures.scratchDirectory() + "/q2k.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try GGUFFile(path: path)
        #expect(throws: ModelFileError.unsupportedTensorType(path: path, tensor: "q4_k", type: "Q2_K")) {
            try file.dequantize("q4_k")
        }
    }
}

/// A tiny deterministic random generator for corruption tests.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
