/// A task kind's table of task.toml (`[labels]`, `[fill]`, `[choice]`), as the bundle reader gives it
/// to `TaskKind.read`: typed reads that report a wrong type under the key's full name
/// ("choice.margin"), and problems reported where the user will look for them.
public protocol KindManifest {
    /// Whether the manifest has the kind's table (a value of another type is reported before `read`).
    var hasTable: Bool { get }
    /// The table's keys.
    var keys: [String] { get }
    /// The record field holding the answer (`[data] label_field`).
    var labelField: String { get }
    func contains(_ key: String) -> Bool
    /// The non-empty string at `key`; nil (reported) when it is of another type or empty.
    func nonEmptyString(_ key: String) -> String?
    /// The array of strings at `key`; nil (reported) when it is of another type.
    func stringArray(_ key: String) -> [String]?
    /// The number at `key` if `isAllowed` holds; else nil, reported with `allowed` as the hint.
    func number(_ key: String, allowed: String, _ isAllowed: (Double) -> Bool) -> Double?
    /// Reports a problem with a key of the table, or with the table itself when `key` is nil.
    func problem(_ key: String?, _ message: String, hint: String?)
    /// The lines of the bundle file at `path`, named by `key`, blank lines dropped and whitespace
    /// trimmed; nil after reporting why it cannot be read.
    func lines(ofFile path: String, key: String) -> [String]?
    /// Reports a problem with the content of the bundle file at `path`.
    func fileProblem(_ path: String, _ message: String)
}

extension KindManifest {
    public func problem(_ key: String?, _ message: String) { problem(key, message, hint: nil) }
}

/// A rule a kind's settings break, found alike in task.toml and in a prompt file's metadata: the
/// entry it concerns (a label value; nil: the setting as a whole), what is wrong and what to do.
struct KindRuleProblem: Sendable, Equatable {
    var entry: String?
    var message: String
    var hint: String?

    init(entry: String? = nil, _ message: String, hint: String? = nil) {
        self.entry = entry
        self.message = message
        self.hint = hint
    }

    /// The problem in one line, for a prompt file's refusal.
    var summary: String {
        (entry.map { "\"\($0)\": " } ?? "") + message
    }
}
