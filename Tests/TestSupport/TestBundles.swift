/// Small classify bundles over the tiny random model (named "tiny"), for tests that train.
public enum TestBundles {
    /// task.toml: classify with an MLP encoder, `steps` steps of batch 4, seed 13, one thread;
    /// `extra` lines go into [training], `limits` lines into [limits].
    public static func manifest(name: String, steps: Int = 6, extra: String = "", limits: String = "") -> String {
        """
        name = "\(name)"
        model = "tiny"
        kind = "classify"
        template = "[P*2] {text} [P] It was {target}"

        [labels]
        "1" = "great"
        "0" = "bad"

        [encoder]
        type = "mlp"
        hidden_size = 16

        [training]
        max_steps = \(steps)
        batch_size = 4
        learning_rate = 0.01
        seeds = [13]
        checkpoint_every = 5
        \(extra)

        [limits]
        threads = 1
        \(limits)
        """
    }

    /// `n` labelled JSON lines, alternately positive and negative.
    public static func data(_ n: Int) -> String {
        (0..<n).map { i in
            i % 2 == 0 ? "{\"text\": \"a great film \(i)\", \"label\": 1}" : "{\"text\": \"a bad plot \(i)\", \"label\": 0}"
        }.joined(separator: "\n") + "\n"
    }

    /// A whole bundle: task.toml and 12 training, 4 dev and 4 test records.
    public static func valid(name: String, steps: Int = 6, extra: String = "", limits: String = "") -> [String: String] {
        ["task.toml": manifest(name: name, steps: steps, extra: extra, limits: limits),
         "train.jsonl": data(12), "dev.jsonl": data(4), "test.jsonl": data(4)]
    }
}
