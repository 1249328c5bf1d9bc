/// How a job relates to other jobs and to people: the jobs it waits for (`after`, `after_any`) and
/// whom its end is told (`[notify]`). Read from `task.toml` of both bundle kinds; resolved by the
/// daemon at intake (names and ids against the submitter's own jobs, the notify channels against
/// the ones its administrator allows).
public struct JobLinks: Sendable, Equatable {
    /// Jobs that must succeed before this one starts (`after`, as Slurm's `afterok`): ids, unique id
    /// prefixes or names (the newest job of that name). One that ends otherwise cancels this job.
    public var after: [String]
    /// Jobs that must end, in any state, before this one starts (`after_any`, as `afterany`).
    public var afterAny: [String]
    /// Whom this job's end is told besides the daemon's own channels (`[notify]`).
    public var notify: BundleNotify?

    /// Most jobs one bundle may wait for.
    public static let maxDependencies = 32

    public init(after: [String] = [], afterAny: [String] = [], notify: BundleNotify? = nil) {
        self.after = after
        self.afterAny = afterAny
        self.notify = notify
    }

    /// 1 to 64 of `A-Z a-z 0-9 . _ -`: a task name, also a job id or id prefix, or a command's name
    /// in `notify.bundle_commands`.
    public static func isName(_ text: String) -> Bool {
        (1...64).contains(text.unicodeScalars.count) && text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }
    }

    /// Every job reference, `after` first.
    public var references: [String] { after + afterAny }
}

/// A bundle's `[notify]` table: a command its administrator named in the daemon's config (never
/// one the bundle supplies, which would run with the daemon's rights) and/or an http:// URL under
/// a prefix the administrator allows.
public struct BundleNotify: Sendable, Equatable {
    /// The name of a command in the config's `notify.bundle_commands`.
    public var command: String?
    public var url: String?
    /// The end states told (raw state names); nil: the daemon's `notify.states`.
    public var states: [String]?

    /// The end states a bundle may ask to be told of.
    public static let endStates = ["succeeded", "failed", "timed_out", "memory_exceeded", "cancelled"]

    public init(command: String? = nil, url: String? = nil, states: [String]? = nil) {
        self.command = command
        self.url = url
        self.states = states
    }
}
