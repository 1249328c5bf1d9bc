import Base
import Foundation
@testable import LM
import Tensor
import Testing

@Suite struct ModelLoaderTests {
    /// llama.cpp's Q/K permutation of one projection: within each head of `d` rows, GGUF row 2i is
    /// Hugging Face row i and GGUF row 2i+1 is row i + d/2.
    func permuted(_ w: FloatBuffer, heads: Int, headDim d: Int, columns: Int) -> [Float] {
        let hf = w.array
        var out = hf
        for h in 0..<heads {
            for i in 0..<d / 2 {
                for (dst, src) in [(2 * i, i), (2 * i + 1, i + d / 2)] {
                    let to = (h * d + dst) * columns, from = (h * d + src) * columns
                    out[to..<to + columns] = hf[from..<from + columns]
                }
            }
        }
        return out
    }

    @Test func tinyLlamaGGUFMatchesHuggingFaceFolder() throws {
        let gguf = try ModelLoader.load(path: Fixtures.path("tiny-llama.gguf"))
        let hf = try ModelLoader.load(path: Fixtures.path("tiny-llama-hf"))
        let expected = DecoderConfig(architecture: .llama, vocabSize: 64, hiddenSize: 16, layerCount: 2, headCount: 4,
                                     kvHeadCount: 2, headDim: 4, ffnSize: 32, rmsNormEps: 1e-5, ropeTheta: 100000,
                                     rotaryLayout: .adjacentPairs, attentionBias: false, tiedOutput: true,
                                     contextLength: 128)
        #expect(gguf.config == expected)
        var hfExpected = expected
        hfExpected.rotaryLayout = .halfSplit
        #expect(hf.config == hfExpected)
        #expect(gguf.weights.outputHead === gguf.weights.tokenEmbedding)
        #expect(hf.weights.outputHead === hf.weights.tokenEmbedding)
        #expect(gguf.weights.tokenEmbedding.array == hf.weights.tokenEmbedding.array)
        #expect(gguf.weights.outputNorm.array == hf.weights.outputNorm.array)
        for (g, h) in zip(gguf.weights.layers, hf.weights.layers) {
            #expect(g.query.array == permuted(h.query, heads: 4, headDim: 4, columns: 16))
            #expect(g.key.array == permuted(h.key, heads: 2, headDim: 4, columns: 16))
            #expect(g.query.array != h.query.array)
            for (a, b) in [(g.attentionNorm, h.attentionNorm), (g.value, h.value), (g.output, h.output),
                           (g.ffnNorm, h.ffnNorm), (g.gate, h.gate), (g.up, h.up), (g.down, h.down)] {
                #expect(a.array == b.array)
            }
            #expect(g.queryBias == nil && h.queryBias == nil)
        }
        #expect(hf.vocabulary == nil)
        #expect(gguf.sha256.count == 64 && gguf.sha256 != hf.sha256)
    }

    @Test func tinyQwen2HasBiasesAndUntiedHead() throws {
        let gguf = try ModelLoader.load(path: Fixtures.path("tiny-qwen2.gguf"))
        let hf = try ModelLoader.load(path: Fixtures.path("tiny-qwen2-hf"))
        #expect(gguf.config.architecture == .qwen2)
        #expect(gguf.config.rotaryLayout == .halfSplit)
        #expect(gguf.config.attentionBias && !gguf.config.tiedOutput)
        #expect(gguf.config.ropeTheta == 1_000_000 && gguf.config.rmsNormEps == 1e-6)
        #expect(gguf.config.vocabSize == 64)
        #expect(hf.config == gguf.config)
        #expect(gguf.weights.outputHead !== gguf.weights.tokenEmbedding)
        #expect(gguf.weights.outputHead.array == hf.weights.outputHead.array)
        for (g, h) in zip(gguf.weights.layers, hf.weights.layers) {
            #expect(g.query.array == h.query.array)
            #expect(g.queryBias?.array == h.queryBias?.array && g.queryBias?.count == 16)
            #expect(g.keyBias?.array == h.keyBias?.array && g.keyBias?.count == 8)
            #expect(g.valueBias?.array == h.valueBias?.array && g.valueBias?.count == 8)
            #expect(g.down.array == h.down.array)
        }
    }

    @Test func vocabularyFromGGUFMetadata() throws {
        let llama = try #require(try ModelLoader.load(path: Fixtures.path("tiny-llama.gguf")).vocabulary)
        #expect(llama.tokens.count == 64 && llama.tokens[1] == "<|im_start|>" && llama.tokens[5] == "t5")
        #expect(llama.tokenTypes.prefix(5) == [3, 3, 3, 4, 1])
        #expect(llama.specialTokens == [0, 1, 2, 3])
        #expect(llama.merges == ["t 1", "t 2", "t1 0"])
        #expect(llama.preTokenizer == "smollm")
        #expect(llama.bosID == 1 && llama.eosID == 2 && llama.padID == 0 && llama.addBOS)
        let qwen = try #require(try ModelLoader.load(path: Fixtures.path("tiny-qwen2.gguf")).vocabulary)
        #expect(qwen.preTokenizer == "qwen2" && qwen.padID == nil && !qwen.addBOS)
    }

    @Test func shapeMismatchNamesTheTensor() throws {
        let dir = try Fixtures.scratchDirectory()
        let folder = dir + "/model"
        try FileManager.default.copyItem(atPath: Fixtures.path("tiny-llama-hf"), toPath: folder)
        let configPath = folder + "/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        try AtomicFile.write(Data(config.replacingOccurrences(of: "\"intermediate_size\": 32",
                                                              with: "\"intermediate_size\": 48").utf8), to: configPath)
        #expect(throws: ModelFileError.shapeMismatch(path: folder + "/model.safetensors",
                                                     tensor: "model.layers.0.mlp.gate_proj.weight",
                                                     expected: [48, 16], found: [32, 16])) {
            try ModelLoader.load(path: folder)
        }
    }

    @Test func huggingFaceConfigOfSmolLM2() throws {
        let config = try HuggingFaceConfig.decoderConfig(contentsOf: Fixtures.path("smollm2-config.json"))
        #expect(config == DecoderConfig(architecture: .llama, vocabSize: 49152, hiddenSize: 576, layerCount: 30,
                                        headCount: 9, kvHeadCount: 3, headDim: 64, ffnSize: 1536,
                                        rmsNormEps: 1e-5, ropeTheta: 100000, rotaryLayout: .halfSplit,
                                        attentionBias: false, tiedOutput: true, contextLength: 8192))
    }

    @Test func huggingFaceConfigErrors() throws {
        func message(_ json: String) -> String {
            do {
                _ = try HuggingFaceConfig.decoderConfig(json: Data(json.utf8), path: "config.json")
                return ""
            } catch {
                return String(describing: error)
            }
        }
        #expect(message(#"{"model_type": "gpt2"}"#).contains("architecture \"gpt2\" is not supported"))
        #expect(message(#"{"model_type": "llama", "hidden_size": 8}"#).contains("\"num_attention_heads\" is missing"))
        #expect(message(#"{"model_type": "llama", "hidden_size": 8, "num_attention_heads": 2, "rope_scaling": {"rope_type": "llama3"}}"#)
            .contains("rope scaling \"llama3\" is not supported"))
        #expect(message("[").contains("malformed config.json"))
    }

    @Test func sha256KnownVectors() {
        func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { ContentHash.sha256Hex($0) } }
        #expect(hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(Array(repeating: UInt8(ascii: "a"), count: 1000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
