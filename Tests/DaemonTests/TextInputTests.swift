import Foundation
import Testing

/// The text of `ptune tokenize`, `logits` and `generate`: an argument (after `--` when it starts
/// with `-`), standard input with `-`, or `--text-file`.
@Suite struct TextInputTests {
    func ids(_ result: (status: Int32, out: String, err: String)) throws -> [Int] {
        #expect(result.status == 0, "\(result.err)")
        let json = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        return json?["ids"] as? [Int] ?? []
    }

    @Test func theTextComesTheSameEveryWay() throws {
        let h = try ServiceHarness()
        let model = ["--model", h.models.appendingPathComponent("tiny").path, "--json"]
        let text = "-1 is not a flag"
        let file = h.root.appendingPathComponent("text.txt")
        try Data(text.utf8).write(to: file)
        let byArgument = try ids(h.cli(["tokenize"] + model + ["--", text]))
        #expect(!byArgument.isEmpty)
        #expect(try ids(h.cli(["tokenize"] + model + ["--text-file", file.path])) == byArgument)
        let piped = Process()
        piped.executableURL = URL(fileURLWithPath: "/bin/sh")
        piped.arguments = ["-c", "\"$0\" tokenize \"$@\" - < \"\(file.path)\"", ServiceHarness.binary] + model
        let out = Pipe()
        piped.standardOutput = out
        try piped.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        piped.waitUntilExit()
        #expect(try ids((piped.terminationStatus, String(decoding: data, as: UTF8.self), "")) == byArgument)
    }

    @Test func aMissingTextTwoTextsAndInvalidUTF8AreRefusedSayingWhatToDo() throws {
        let h = try ServiceHarness()
        let model = ["--model", h.models.appendingPathComponent("tiny").path]
        let none = try h.cli(["tokenize"] + model)
        #expect(none.status != 0 && none.err.contains("--text-file PATH"), "\(none.err)")
        let bad = h.root.appendingPathComponent("bad.txt")
        try Data([0xFF, 0xFE]).write(to: bad)
        let both = try h.cli(["tokenize"] + model + ["--text-file", bad.path, "x"])
        #expect(both.status != 0 && both.err.contains("not both"), "\(both.err)")
        let invalid = try h.cli(["logits"] + model + ["--text-file", bad.path])
        #expect(invalid.status != 0 && invalid.err.contains("bad.txt is not valid UTF-8"), "\(invalid.err)")
        let dash = try h.cli(["generate"] + model + ["-x"])
        #expect(dash.status != 0)
    }
}
