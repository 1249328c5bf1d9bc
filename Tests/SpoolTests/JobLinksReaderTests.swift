import Base
import Foundation
@testable import Spool
import Testing

/// `after`, `after_any` and `[notify]` in task.toml, for both bundle kinds.
@Suite struct JobLinksReaderTests {
    /// The sentiment bundle with `links` put before its first table, or at its end when they are a table.
    private func bundle(_ links: String) throws -> BundleFixture {
        try BundleFixture.sentiment(manifest: links.hasPrefix("[") ? BundleFixture.sentimentManifest + "\n" + links
                                                                    : links + "\n" + BundleFixture.sentimentManifest)
    }

    @Test func theJobsToWaitForAndTheBundlesOwnChannelsAreRead() throws {
        let loaded = try BundleFixture.sentiment(manifest: """
            after = ["train-sst2", "3fa2b1c4"]
            after_any = ["cleanup"]
            \(BundleFixture.sentimentManifest)

            [notify]
            command = "chat"
            url = "http://hooks.internal:8080/team-a"
            states = ["failed", "timed_out"]
            """).load()
        #expect(loaded.manifest.links == JobLinks(after: ["train-sst2", "3fa2b1c4"], afterAny: ["cleanup"],
                                                  notify: BundleNotify(command: "chat", url: "http://hooks.internal:8080/team-a",
                                                                       states: ["failed", "timed_out"])))
        #expect(try BundleFixture.sentiment().load().manifest.links == JobLinks())
    }

    @Test(arguments: [
        ("after = \"train\"", "after: expected an array of strings"),
        ("after = [\"a/b\"]", "after: \"a/b\" is neither a job id nor a task name"),
        ("after = [\"a\", \"a\"]", "after: names a job twice"),
        ("after = [\"a\"]\nafter_any = [\"a\"]", "after_any: \"a\" is also in after"),
        ("after = [" + (0...32).map { "\"j\($0)\"" }.joined(separator: ", ") + "]", "33 jobs to wait for; at most 32"),
        ("[notify]\nstates = [\"failed\"]", "notify.command: [notify] names neither a command nor a url"),
        ("[notify]\ncommand = \"/bin/sh\"", "notify.command: \"/bin/sh\" is not a command name"),
        ("[notify]\nurl = \"https://x/\"", "notify.url: \"https://x/\" is not an http:// URL"),
        ("[notify]\nurl = \"http://x/\"\nstates = [\"done\"]", "notify.states: \"done\" is not an end state"),
        ("[notify]\nurl = \"http://x/\"\nstates = []", "notify.states: must not be empty"),
        ("[notify]\nurl = \"http://x/\"\nemail = \"me\"", "notify.email: unknown key"),
    ])
    func mistakesAreNamedWithTheirKey(links: String, expected: String) throws {
        let problems = try bundle(links).problems().map(\.description)
        #expect(problems.contains { $0.contains(expected) }, "\(problems)")
    }

    @Test func predictionBundlesTakeTheSameKeys() throws {
        let fixture = try BundleFixture()
        try fixture.write("task.toml", """
            name = "scores"
            kind = "predict"
            after = ["sst2"]

            [prompt]
            job = "sst2@latest"

            [notify]
            url = "http://127.0.0.1:9000/scores"
            """)
        try fixture.write("input.jsonl", "{\"text\": \"fine\"}\n")
        let manifest = try PredictionBundleLoader.loadManifest(directory: fixture.root)
        #expect(manifest.links == JobLinks(after: ["sst2"], notify: BundleNotify(url: "http://127.0.0.1:9000/scores")))
        #expect(manifest.prompt == .job("sst2@latest"))
        let peek = BundleLoader.peek(directory: fixture.root)
        #expect(peek.name == "scores" && peek.references == ["sst2", "sst2"])
        #expect(BundleLoader.peek(directory: try BundleFixture.sentiment().root).references.isEmpty)
    }
}
