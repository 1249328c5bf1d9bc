import Foundation
import TestSupport

/// Paths of the committed fixtures (written by scripts/make-gguf-fixtures.py), found from this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// A fresh scratch directory for files a test writes.
    static func scratchDirectory() throws -> String {
        TestEnvironment.temporaryDirectory("ptune-modelfile").path
    }
}
