import Base
import Foundation
import PTuning
@testable import Spool
import TestSupport

/// A bundle written into a fresh temporary folder, removed when the fixture is released.
final class BundleFixture {
    let root: URL

    init() throws {
        root = TestEnvironment.temporaryDirectory("spool-test")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes `text` to `path` inside the bundle, creating folders on the way.
    @discardableResult
    func write(_ path: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    func load(limits: BundleLoader.Limits = BundleLoader.Limits()) throws(TaskProblems) -> TaskBundle {
        try BundleLoader.load(directory: root, limits: limits)
    }

    /// The problems loading reports, or none when it succeeds.
    func problems(limits: BundleLoader.Limits = BundleLoader.Limits()) -> [TaskProblem] {
        do {
            _ = try load(limits: limits)
            return []
        } catch {
            return error.problems
        }
    }

    /// A small valid classify bundle; `manifest` replaces the default manifest when given.
    static func sentiment(manifest: String? = nil) throws -> BundleFixture {
        let fixture = try BundleFixture()
        try fixture.write("task.toml", manifest ?? sentimentManifest)
        try fixture.write("train.jsonl", """
            {"sentence": "a joy to watch", "label": 1}
            {"sentence": "dull and long", "label": 0}

            """)
        return fixture
    }

    /// `count` classify records for the sentiment manifest, one JSON line each, labels alternating.
    static func sentimentRecords(_ count: Int) -> String {
        (0..<count).map { "{\"sentence\": \"line \($0)\", \"label\": \($0 % 2)}\n" }.joined()
    }

    /// A manifest that sets every key.
    static let everyKeyManifest = """
        schema = 1
        name = "rte-full.v1"
        model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
        kind = "classify"
        template = "[P*3] {premise} ? [P*3] {hypothesis} [P*3] Answer:{target}"

        [data]
        train = "data/train.tsv"
        dev = "data/dev.tsv"
        test = "data/test.tsv"
        format = "tsv"
        label_field = "gold"

        [labels]
        entailment = "Yes"
        not_entailment = "No"

        [encoder]
        type = "mlp"
        hidden_size = 512

        [training]
        epochs = 5
        max_steps = 300
        batch_size = 4
        eval_batch_size = 32
        learning_rate = 3e-5
        weight_decay = 0.01
        optimizer = "adam"
        schedule = "epoch_decay"
        warmup_steps = 10
        epoch_decay = 0.9
        clip_norm = 0
        seeds = [13, 21, 42]
        eval_every = 50
        patience = 3
        checkpoint_every = 100
        max_length = 512
        precision = "bf16"
        tail_average = 0.5

        [limits]
        threads = 1
        memory_mb = 2048
        wall_time = "1h30m"
        priority = 5

        """

    static let sentimentManifest = """
        name = "sst2"
        model = "SmolLM2-135M-Instruct.Q4_1.gguf"
        kind = "classify"
        template = "[P*3] {sentence} [P*3] It was{target}"

        [labels]
        "1" = "great"
        "0" = "terrible"

        """
}

extension [TaskProblem] {
    /// The problem about `field` (a manifest key or record field), if any.
    func about(_ field: String) -> TaskProblem? { first { $0.field == field } }
}
