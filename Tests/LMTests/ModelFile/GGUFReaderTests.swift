import Foundation
@testable import LM
import Testing

@Suite struct GGUFReaderTests {
    let file: GGUFFile

    init() throws { file = try GGUFFile(path: Fixtures.path("quants.gguf")) }

    @Test func headerAndAlignment() {
        #expect(file.version == 3)
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensorNames.first == "f32")
        #expect(file.tensors["f32"]?.dimensions == [128, 2])
        #expect(file.tensors["f32"]?.shape == [2, 128])
        #expect(file.tensors["q6_k"]?.type == .q6_K)
        #expect(file.tensors["q6_k"]?.byteCount == 210)
    }

    @Test func metadataOfEveryType() throws {
        #expect(file.metadata["test.u8"] == .uint8(200))
        #expect(file.metadata["test.i8"] == .int8(-100))
        #expect(file.metadata["test.u16"] == .uint16(60000))
        #expect(file.metadata["test.i16"] == .int16(-30000))
        #expect(file.metadata["test.u32"] == .uint32(4_000_000_000))
        #expect(file.metadata["test.i32"] == .int32(-2_000_000_000))
        #expect(file.metadata["test.f32"] == .float32(0.15625))
        #expect(file.metadata["test.bool"] == .bool(true))
        #expect(file.metadata["test.string"] == .string("héllo ✓"))
        #expect(file.metadata["test.u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(file.metadata["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(file.metadata["test.f64"] == .float64(-2.5e-300))
        #expect(file.metadata["test.array.i32"] == .array([.int32(1), .int32(-2), .int32(3)]))
        #expect(file.metadata["test.array.f32"] == .array([.float32(0.5), .float32(-1.25)]))
        #expect(file.metadata["test.array.nested"] == .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
        #expect(try file.stringArray("test.array.string") == ["a", "", "ü b"])
        #expect(try file.string("general.architecture") == "fixture")
        #expect(try file.int("test.u32") == 4_000_000_000)
        #expect(try file.int("test.i8") == -100)
        #expect(try file.float("test.f32") == 0.15625)
        #expect(try file.bool("test.bool"))
        #expect(try file.intArray("test.array.i32") == [1, -2, 3])
        #expect(try file.optionalInt("no.such.key") == nil)
        #expect(file.metadataKeys.first == "general.architecture")
    }

    @Test func typedAccessErrorsNameTheKey() {
        #expect(throws: ModelFileError.missingKey(path: file.path, key: "no.such.key")) { try file.int("no.such.key") }
        #expect(throws: ModelFileError.badValue(path: file.path, key: "test.string", expected: "an integer",
                                                found: "string")) { try file.int("test.string") }
        #expect(throws: ModelFileError.missingTensor(path: file.path, tensor: "nope")) { try file.dequantize("nope") }
        let message = String(describing: ModelFileError.missingKey(path: file.path, key: "no.such.key"))
        #expect(message.contains("quants.gguf") && message.contains("no.such.key"))
    }

    @Test(arguments: ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"])
    func dequantizationMatchesGGUFPy(name: String) throws {
        let values = try file.dequantize(name).array
        let expected = try file.dequantize(name + ".expected").array
        #expect(file.tensors[name + ".expected"]?.type == .f32)
        #expect(values.count == 256)
        #expect(values == expected, "\(name) differs from gguf-py")
    }
}
