import Foundation
@testable import LM
import Testing

@Suite struct SafetensorsTests {
    @Test func roundTrip() throws {
        let path = try Fixtures.scratchDirectory() + "/prompt.safetensors"
        let a: [Float] = [1, -2.5, 3e-8, .greatestFiniteMagnitude, 0, -0]
        try writeSafetensors(tensors: [SafetensorsTensor(name: "prompt", shape: [2, 3], values: a),
                                      SafetensorsTensor(name: "scalar/“quoted”", shape: [], values: [42])],
                             metadata: ["model_sha256": "abc", "step": "7"], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["model_sha256": "abc", "step": "7"])
        #expect(file.tensorNames == ["prompt", "scalar/“quoted”"])
        #expect(file.tensors["prompt"]?.shape == [2, 3])
        #expect(file.tensors["prompt"]?.dtype == "F32")
        #expect(try file.floats("prompt").array == a)
        #expect(try file.floats("scalar/“quoted”").array == [42])
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        // Overwriting replaces the file whole.
        try writeSafetensors(tensors: [SafetensorsTensor(name: "x", shape: [1], values: [5])], to: path)
        #expect(try SafetensorsFile(path: path).tensorNames == ["x"])
    }

    /// The same bytes held in memory read as the file does, and a damaged copy's error names it.
    @Test func contentsInMemoryReadAsTheFile() throws {
        let path = try Fixtures.scratchDirectory() + "/memory.safetensors"
        let a: [Float] = [0.5, -1, 7]
        try writeSafetensors(tensors: [SafetensorsTensor(name: "t", shape: [3], values: a)], metadata: ["k": "v"], to: path)
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try SafetensorsFile(contents: contents, name: "job 42's prompt")
        #expect(file.metadata == ["k": "v"] && file.path == "job 42's prompt")
        #expect(try file.floats("t").array == a)
        let error = #expect(throws: ModelFileError.self) {
            try SafetensorsFile(contents: contents.prefix(contents.count - 4), name: "job 42's prompt")
        }
        #expect(error.map { "\($0)" }?.contains("job 42's prompt") == true)
    }

    @Test func writerRejectsBadShapes() throws {
        let path = try Fixtures.scratchDirectory() + "/bad.safetensors"
        #expect(throws: ModelFileError.self) {
            try writeSafetensors(tensors: [SafetensorsTensor(name: "x", shape: [2, 2], values: [1, 2, 3])], to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func readsFileWrittenByPythonSafetensors() throws {
        let file = try SafetensorsFile(path: Fixtures.path("tiny-llama-hf/model.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["model.embed_tokens.weight"]?.dtype == "F16")
        #expect(file.tensors["model.embed_tokens.weight"]?.shape == [64, 16])
        #expect(file.tensors["model.norm.weight"]?.dtype == "F32")
        #expect(try file.floats("model.embed_tokens.weight").count == 64 * 16)
    }

    /// A hand-built file: BF16 values and a header padded as the format allows.
    @Test func readsBF16() throws {
        let header = #"{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}"#
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.utf8.count >> (8 * $0)) } + Array(header.utf8)
        for value: Float in [1.5, -2, 0.0078125] {
            let bits = UInt16(value.bitPattern >> 16)
            bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        let path = try Fixtures.scratchDirectory() + "/bf16.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SafetensorsFile(path: path).floats("w").array == [1.5, -2, 0.0078125])
    }

    @Test func malformedFilesThrow() throws {
        let dir = try Fixtures.scratchDirectory()
        let valid = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-llama-hf/model.safetensors"))))
        let cases: [(String, [UInt8], String)] = [
            ("truncated header length", Array(valid[0..<5]), "truncated"),
            ("header past end", Array(valid[0..<100]), "truncated"),
            ("data past end", Array(valid.dropLast(4)), "runs past the end"),
            ("not json", [4, 0, 0, 0, 0, 0, 0, 0] + Array("{{{{".utf8), "malformed safetensors JSON header"),
        ]
        for (label, bytes, expected) in cases {
            let path = dir + "/\(label).safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try SafetensorsFile(path: path)
            } throws: { error in
                String(describing: error).contains(expected) && String(describing: error).contains(label)
            }
        }
    }
}
