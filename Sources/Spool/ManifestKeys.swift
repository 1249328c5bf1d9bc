import PTuning

/// The keys each table of `task.toml` accepts.
enum ManifestKeys {
    static let topLevel = ["schema", "name", "model", "kind", "template", "manual_template", "bos", "data"]
        + TaskKinds.all.map { $0.manifestTable } + ["encoder", "training", "limits", "search"] + links
    static let data = ["train", "dev", "test", "format", "label_field", "dev_fraction", "cross_validate", "folds"]
    static let encoder = ["type", "hidden_size", "init", "init_ids"]
    static let training = ["epochs", "max_steps", "batch_size", "eval_batch_size", "learning_rate", "weight_decay",
                           "optimizer", "schedule", "warmup_steps", "epoch_decay", "clip_norm", "seeds",
                           "eval_every", "patience", "checkpoint_every", "max_length", "precision", "recompute",
                           "refit", "tail_average", "manual_fallback"]
    static let limits = ["threads", "memory_mb", "wall_time", "priority"]
    static let search = ["strategy", "trials", "budget_steps", "budget_time", "reduction", "min_steps", "seed", "space"]
    static let searchSpace = ["learning_rate", "encoder", "template", "batch_size", "steps", "seeds"]
    /// Both kinds' (`JobLinks`).
    static let links = ["after", "after_any", "notify"]
    static let notify = ["command", "url", "states"]
    /// A prediction bundle's (`kind = "predict"`).
    static let predictionTopLevel = ["schema", "name", "model", "kind", "prompt", "data", "predict", "limits"] + links
    static let prompt = ["job", "file", "table", "task"]
    static let predictionData = ["input", "format"]
    static let predict = ["batch_size", "precision"]
}
