@testable import Daemon
import Foundation
import TestSupport
import Testing

struct ModelPolicyTests {
    let directory: String = {
        let models = TestEnvironment.temporaryDirectory("models")
        _ = FileManager.default.createFile(atPath: models.appendingPathComponent("small.gguf").path, contents: Data("x".utf8))
        try? FileManager.default.createSymbolicLink(atPath: models.appendingPathComponent("linked.gguf").path,
                                                    withDestinationPath: "/etc/hostname")
        return models.path
    }()

    @Test func aNameInTheDirectoryOrAPathInsideItIsAllowed() {
        #expect(ModelPolicy.problem(with: "small.gguf", directory: directory) == nil)
        #expect(ModelPolicy.problem(with: "linked.gguf", directory: directory) == nil)
        #expect(ModelPolicy.problem(with: directory + "/small.gguf", directory: directory) == nil)
        #expect(ModelPolicy.problem(with: directory + "/../" + (directory as NSString).lastPathComponent + "/small.gguf",
                                    directory: directory) == nil)
    }

    @Test func anythingElseIsRejectedNamingTheModelsThere() throws {
        let outside = try #require(ModelPolicy.problem(with: "/etc/passwd", directory: directory))
        #expect(outside.message == "/etc/passwd is outside the model directory \(directory); the daemon opens models only from there")
        #expect(outside.hint == "models there: linked.gguf, small.gguf")
        #expect(ModelPolicy.problem(with: directory + "/linked.gguf", directory: directory)?.message.contains("outside") == true)
        #expect(ModelPolicy.problem(with: "../small.gguf", directory: directory)?.message.contains("is not a model name") == true)
        #expect(ModelPolicy.problem(with: "big.gguf", directory: directory)?.message == "no model \"big.gguf\" in the model directory \(directory)")
        #expect(ModelPolicy.problem(with: "/nonexistent/x.gguf", directory: directory)?.field == "model")
    }
}
