import Foundation
import TestSupport

/// `TestBundles.valid` and a tiny random model, written to a temporary folder for in-process runs.
struct TinyBundle {
    let root: URL
    let bundle: URL
    let model: String

    /// `addsBOS`: the model's tokenizer asks for a BOS token before every text (`TinyModelFolder`).
    init(steps: Int = 4, addsBOS: Bool = false) throws {
        root = TestEnvironment.temporaryDirectory("ptune-application")
        bundle = root.appendingPathComponent("bundle")
        model = try TinyModelFolder.write(to: root.appendingPathComponent("tiny"), addsBOS: addsBOS)
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        let files = TestBundles.valid(name: "tiny", steps: steps)
        for (name, text) in files { try Data(text.utf8).write(to: bundle.appendingPathComponent(name)) }
    }

    /// An output folder of its own under the bundle's temporary root.
    func output(_ name: String) -> URL { root.appendingPathComponent(name) }
}
