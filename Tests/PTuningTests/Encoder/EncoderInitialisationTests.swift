import PTuning
import Tensor
import Testing

/// Parameter layout, PyTorch-default initialisation, and reproducibility from the seed.
struct EncoderInitialisationTests {
    private func make(_ kind: EncoderKind, seed: UInt64 = 34, hidden: Int = 0, m: Int = 6, H: Int = 16,
                      initialRows: FloatBuffer? = nil) -> PromptEncoder {
        makePromptEncoder(settings: EncoderSettings(kind: kind, hiddenSize: hidden), count: m, width: H,
                          seed: seed, initialRows: initialRows)
    }

    private func values(_ encoder: PromptEncoder, _ name: String) throws -> [Float] {
        let entry = try #require(encoder.parameterLayout.first { $0.name == name })
        return Array(encoder.parameters.array[entry.offset..<entry.offset + entry.shape.reduce(1, *)])
    }

    @Test(arguments: EncoderKind.allCases)
    func layoutTilesTheBuffer(kind: EncoderKind) {
        let encoder = make(kind)
        var next = 0
        for entry in encoder.parameterLayout {
            #expect(entry.offset == next, "\(entry.name)")
            next += entry.shape.reduce(1, *)
        }
        #expect(next == encoder.parameters.count)
        #expect(encoder.gradient.parameterCount == encoder.parameters.count)
    }

    @Test func lstmLayoutUsesPyTorchNamesAndShapes() {
        let encoder = make(.lstm, hidden: 10, m: 6, H: 16)
        var expected: [(String, [Int])] = [("embedding.weight", [6, 16])]
        for layer in 0..<2 {
            for suffix in ["", "_reverse"] {
                expected += [("lstm.weight_ih_l\(layer)\(suffix)", [20, layer == 0 ? 16 : 10]),
                             ("lstm.weight_hh_l\(layer)\(suffix)", [20, 5]),
                             ("lstm.bias_ih_l\(layer)\(suffix)", [20]),
                             ("lstm.bias_hh_l\(layer)\(suffix)", [20])]
            }
        }
        expected += [("mlp.0.weight", [10, 10]), ("mlp.0.bias", [10]), ("mlp.2.weight", [16, 10]), ("mlp.2.bias", [16])]
        #expect(encoder.parameterLayout.map(\.name) == expected.map(\.0))
        #expect(encoder.parameterLayout.map(\.shape) == expected.map(\.1))
    }

    @Test func lstmOnAnOddWidthModelTakesTheWidthRoundedUpToEven() {
        let encoder = make(.lstm, hidden: 0, m: 3, H: 15)
        let shapes = Dictionary(uniqueKeysWithValues: encoder.parameterLayout.map { ($0.name, $0.shape) })
        #expect(shapes["lstm.weight_hh_l0"] == [32, 8])
        #expect(shapes["mlp.2.weight"] == [15, 16])
        #expect(EncoderSettings(kind: .mlp).hiddenSize(modelWidth: 15) == 15)
    }

    @Test func mlpLayoutUsesPyTorchNamesAndShapes() {
        let encoder = make(.mlp, hidden: 12, m: 6, H: 16)
        #expect(encoder.parameterLayout.map(\.name)
                == ["embedding.weight", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"])
        #expect(encoder.parameterLayout.map(\.shape) == [[6, 16], [12, 16], [12], [16, 12], [16]])
    }

    @Test(arguments: [EncoderKind.lstm, .mlp])
    func uniformTensorsStayWithinPyTorchBounds(kind: EncoderKind) throws {
        // H = 16, hidden = 10: LSTM tensors 1/√5 (units per direction), mlp.0 1/√fan_in (10 for the
        // LSTM's output, 16 for the embedding), mlp.2 1/√10.
        let encoder = make(kind, hidden: 10, m: 6, H: 16)
        let mlpInput: Float = kind == .lstm ? 10 : 16
        for entry in encoder.parameterLayout where entry.name != "embedding.weight" {
            let fanIn: Float = entry.name.hasPrefix("lstm") ? 5 : entry.name.hasPrefix("mlp.0") ? mlpInput : 10
            let bound = 1 / fanIn.squareRoot()
            let v = try values(encoder, entry.name)
            #expect(v.allSatisfy { abs($0) <= bound }, "\(entry.name)")
            #expect(v.map { abs($0) }.max()! > bound * 0.7, "\(entry.name) spans its range")
        }
    }

    @Test func embeddingScales() throws {
        let lstm = try values(make(.lstm, m: 32, H: 64), "embedding.weight")
        let table = try values(make(.none, m: 32, H: 64), "embedding.weight")
        func std(_ v: [Float]) -> Float {
            let mean = v.reduce(0, +) / Float(v.count)
            return (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(v.count)).squareRoot()
        }
        #expect(abs(std(lstm) - 1) < 0.05)
        #expect(abs(std(table) - 0.02) < 0.001)
    }

    @Test func tableStartsFromInitialRows() {
        let rows = FloatBuffer((0..<12).map { Float($0) / 10 })
        let encoder = make(.none, m: 3, H: 4, initialRows: rows)
        #expect(encoder.parameters.array == rows.array)
        #expect(encoder.forward().array == rows.array)
    }

    @Test(arguments: EncoderKind.allCases)
    func sameSeedGivesIdenticalBits(kind: EncoderKind) {
        let a = make(kind, seed: 34), b = make(kind, seed: 34), c = make(kind, seed: 35)
        #expect(a.parameters.array.map(\.bitPattern) == b.parameters.array.map(\.bitPattern))
        #expect(a.forward().array.map(\.bitPattern) == b.forward().array.map(\.bitPattern))
        #expect(a.parameters.array != c.parameters.array)
    }
}
