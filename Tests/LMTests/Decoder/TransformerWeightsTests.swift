import Foundation
@testable import LM
import Tensor
import Testing

/// A decoder read from its model file a layer at a time against one built from the whole float32
/// weights of the same file.
@Suite struct TransformerWeightsTests {
    static let fixtures = ["tiny-llama.gguf", "tiny-llama-hf", "tiny-qwen2.gguf", "tiny-qwen2-hf"]

    static func logits(_ decoder: Transformer) -> [Float] {
        let tokens = [[3, 17, 42, 5, 9], [8, 1, 63]]
        let positions = [LogitPosition(sequence: 0, position: 4), LogitPosition(sequence: 1, position: 2)]
        return decoder.forward(DecoderBatch(tokens: tokens), logitsAt: positions, saveForBackward: false).logits.array
    }

    static func streamed(_ name: String, _ precision: Precision) throws -> Transformer {
        let model = try ModelLoader.open(path: Fixtures.path(name))
        return try Transformer(config: model.config, source: model.weights, precision: precision)
    }

    static func whole(_ name: String, _ precision: Precision) throws -> (Transformer, DecoderWeights) {
        let loaded = try ModelLoader.load(path: Fixtures.path(name))
        return (Transformer(config: loaded.config, weights: loaded.weights, precision: precision), loaded.weights)
    }

    @Test(arguments: fixtures)
    func fp32LogitsAreTheSame(_ name: String) throws {
        let (whole, _) = try Self.whole(name, .fp32)
        #expect(Self.logits(try Self.streamed(name, .fp32)) == Self.logits(whole))
    }

    /// A tied table is the head, rounded to bf16 either way: every product and row is the same.
    @Test(arguments: ["tiny-llama.gguf", "tiny-llama-hf"])
    func bf16LogitsAreTheSameWhenTheHeadIsTied(_ name: String) throws {
        let (whole, _) = try Self.whole(name, .bf16)
        #expect(Self.logits(try Self.streamed(name, .bf16)) == Self.logits(whole))
    }

    /// An untied table stays in the file's encoding: its rows are the exact float32 values, and it
    /// takes the file's bytes, not those of the precision.
    @Test(arguments: ["tiny-qwen2.gguf", "tiny-qwen2-hf"], Precision.allCases)
    func anUntiedTableIsReadFromTheFile(_ name: String, _ precision: Precision) throws {
        let streamed = try Self.streamed(name, precision)
        let (whole, weights) = try Self.whole(name, precision)
        let H = streamed.config.hiddenSize
        let row = FloatBuffer(count: H)
        for id in [0, 7, streamed.config.vocabSize - 1] {
            streamed.tokenEmbedding(id, into: row.pointer)
            #expect(row.array == Array(weights.tokenEmbedding.array[id * H..<(id + 1) * H]))
        }
        let model = try ModelLoader.open(path: Fixtures.path(name))
        let table = try model.weights.tokenEmbedding()
        let tiles = (table.rows + 31) / 32 * ((table.columns + 31) / 32)
        let tableBytes = switch precision {
        case .fp32: 4 * table.rows * table.columns
        case .bf16: 2 * table.rows * table.columns
        case .int8: table.rows * table.columns + 4 * tiles
        }
        // In int8 the GGUF fixture's Q8_0 down projections [H, F] stay in their blocks when read from the
        // file (a scale per row and block of 32) where the float32 weights become tiles of 32 x 32.
        let (F, layers) = (streamed.config.ffnSize, streamed.config.layerCount)
        let tilesAndBlocks = 4 * (H * F / 32 - (H + 31) / 32 * ((F + 31) / 32))
        let downBytes = precision == .int8 && name.hasSuffix(".gguf") ? layers * tilesAndBlocks : 0
        #expect(streamed.weightFootprint.count == whole.weightFootprint.count)
        #expect(streamed.weightFootprint.bytes == whole.weightFootprint.bytes - tableBytes + table.byteCount + downBytes)
    }

    /// The untied table is a copy: the model file overwritten in place after loading changes nothing
    /// the decoder reads (a mapping would show the new bytes, or fault on a file cut short).
    @Test func anUntiedTableDoesNotReadTheFileAfterLoading() throws {
        let path = try Fixtures.scratchDirectory() + "/model.gguf"
        try FileManager.default.copyItem(atPath: Fixtures.path("tiny-qwen2.gguf"), toPath: path)
        let model = try ModelLoader.open(path: path)
        let decoder = try Transformer(config: model.config, source: model.weights, precision: .fp32)
        let H = decoder.config.hiddenSize
        let (before, after) = (FloatBuffer(count: H), FloatBuffer(count: H))
        decoder.tokenEmbedding(5, into: before.pointer)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data(count: size))
        try handle.close()
        decoder.tokenEmbedding(5, into: after.pointer)
        #expect(after.array == before.array && before.array.contains { $0 != 0 })
    }
}
