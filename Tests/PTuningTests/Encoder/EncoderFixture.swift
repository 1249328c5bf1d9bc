import Foundation
import PTuning
import Tensor

/// Reference values written by scripts/make-encoder-fixtures.py from PyTorch.
struct EncoderFixture: Decodable {
    struct Tensor: Decodable {
        var shape: [Int]
        var values: [Float]
    }

    var count: Int
    var width: Int
    var parameters: [String: Tensor]
    var output: [Float]
    var r: [Float]
    var gradients: [String: [Float]]

    static func load(_ name: String) throws -> EncoderFixture {
        try JSONDecoder().decode(EncoderFixture.self, from: Data(contentsOf: fixtureURL(name)))
    }

    /// Copies the fixture's weights into `encoder` by name; every tensor must match in shape.
    func copyParameters(into encoder: PromptEncoder) {
        precondition(encoder.parameterLayout.count == parameters.count, "tensor count differs from the fixture")
        for entry in encoder.parameterLayout {
            guard let tensor = parameters[entry.name], tensor.shape == entry.shape else {
                preconditionFailure("fixture has no tensor \(entry.name) of shape \(entry.shape)")
            }
            for (i, v) in tensor.values.enumerated() { encoder.parameters[entry.offset + i] = v }
        }
    }
}

/// Fixtures/<name>.json beside this file.
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("\(name).json")
}

/// The largest |a − b| / max(1, |b|).
func maxScaledDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length")
    return zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}
