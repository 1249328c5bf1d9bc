import Base
import Foundation
import Spool
import Store

/// The `[notify]` table of the daemon's config file: whom to tell when a job ends. Off unless the
/// table is there; at least one of the two channels must be named.
///
///     [notify]
///     command = ["/usr/local/bin/on-ptune-job", "--quiet"]   # run with the job's JSON on stdin
///     url = "http://127.0.0.1:8080/ptune"                    # POSTed the job's JSON (http:// only)
///     states = ["succeeded", "failed"]   # default: every end state but rejected
///     timeout_seconds = 10               # per delivery
///     max_attempts = 8                   # then it is given up (an event on the job says so)
///     bundle_url_prefixes = ["http://hooks.internal:8080/"]  # URLs a bundle's [notify] may name
///
///     [notify.bundle_commands]           # commands a bundle's [notify] may name, by name
///     chat = ["/usr/local/bin/post-to-chat", "--channel", "ml"]
public struct NotifySettings: Sendable, Equatable {
    public var command: [String]?
    public var url: URL?
    /// The commands bundles may ask for (`[notify] command = "NAME"` in task.toml), by name.
    public var bundleCommands: [String: [String]] = [:]
    /// A bundle's `[notify] url` must start with one of these.
    public var bundleURLPrefixes: [String] = []
    public var states: [JobState] = NotifySettings.defaultStates
    public var timeoutSeconds: Double = 10
    public var maxAttempts = 8

    /// Every end state a job that ran (or was queued) can reach.
    public static let defaultStates: [JobState] = JobState.allCases.filter { $0.isTerminal && $0 != .rejected }

    public init(command: [String]? = nil, url: URL? = nil) {
        self.command = command
        self.url = url
    }

    /// The channels configured, by their names in the store.
    public var channels: [NotificationChannel] {
        (command.map { [NotificationChannel.command($0)] } ?? []) + (url.map { [NotificationChannel.url($0)] } ?? [])
    }

    static let keys = ["command", "url", "states", "timeout_seconds", "max_attempts", "bundle_commands", "bundle_url_prefixes"]

    /// Reads `[notify]`, with errors naming the file and the key.
    static func read(_ table: ConfigReader) throws -> NotifySettings {
        try table.checkKeys(keys)
        let file = table.file
        var settings = NotifySettings()
        settings.command = try readCommand(table, "command")
        if let text = try table.string("url") {
            settings.url = try httpURL(text, key: "notify.url", file: file)
        }
        if let commands = try table.subtable("bundle_commands") {
            for name in commands.table.keys {
                guard JobLinks.isName(name) else {
                    throw ActionableError("\(file): notify.bundle_commands.\(name): not a command name",
                                          hint: "1 to 64 letters, digits, '.', '_' or '-'")
                }
                settings.bundleCommands[name] = try readCommand(commands, name)
            }
        }
        if let prefixes = try table.strings("bundle_url_prefixes", example: "[\"http://hooks.internal:8080/\"]") {
            for prefix in prefixes {
                _ = try httpURL(prefix, key: "notify.bundle_url_prefixes", file: file)
                guard prefix.hasSuffix("/") else {
                    throw ActionableError("\(file): notify.bundle_url_prefixes: \"\(prefix)\" must end with /",
                                          hint: "so that a prefix cannot be extended into another host or path")
                }
            }
            settings.bundleURLPrefixes = prefixes
        }
        if let names = try table.strings("states", example: "[\"failed\", \"timed_out\"]") {
            let states = names.compactMap { JobState(rawValue: $0) }.filter { defaultStates.contains($0) }
            guard !names.isEmpty, states.count == names.count else {
                throw ActionableError("\(file): notify.states must list end states among \(defaultStates.map(\.rawValue).joined(separator: ", "))")
            }
            settings.states = states
        }
        settings.timeoutSeconds = try table.double("timeout_seconds") ?? settings.timeoutSeconds
        settings.maxAttempts = try table.int("max_attempts") ?? settings.maxAttempts
        guard !settings.channels.isEmpty || !settings.bundleCommands.isEmpty || !settings.bundleURLPrefixes.isEmpty else {
            throw ActionableError("\(file): [notify] names no channel",
                                  hint: "set command = [...] and/or url = \"...\" (or what bundles may ask for), or remove the table")
        }
        return settings
    }

    /// An argv whose program is an absolute path, or nil when `key` is absent.
    private static func readCommand(_ table: ConfigReader, _ key: String) throws -> [String]? {
        let example = "[\"/usr/local/bin/on-ptune-job\", \"--quiet\"]"
        guard let argv = try table.strings(key, example: example) else { return nil }
        guard let program = argv.first, program.hasPrefix("/") else {
            throw ActionableError("\(table.file): \(table.prefix)\(key) must be an array of strings, the first an absolute path",
                                  hint: "for example \(key) = \(example)")
        }
        return argv
    }

    private static func httpURL(_ text: String, key: String, file: String) throws -> URL {
        guard let url = URL(string: text), url.scheme == "http", url.host != nil else {
            throw ActionableError("\(file): \(key) must be an http:// URL, got \"\(text)\"",
                                  hint: "for an https receiver, use a command with /usr/bin/curl, or a local relay")
        }
        return url
    }

    /// Whether a bundle may be told at `url`: under one of `bundleURLPrefixes`; printable ASCII
    /// without a backslash; no user; a path with no `..` segment and nothing encoded that a receiver
    /// could decode to a slash, a backslash, another escape (`%2F`, `%5C`, `%25`) or a control
    /// character. The path is sent as written.
    public func allowsBundleURL(_ url: String) -> Bool {
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }),
              let parts = URLComponents(string: url), parts.scheme == "http", parts.host != nil, parts.user == nil else {
            return false
        }
        let path = parts.percentEncodedPath.lowercased()
        guard !["%2f", "%5c", "%25"].contains(where: path.contains), !parts.path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              !parts.path.split(separator: "/", omittingEmptySubsequences: false).contains("..") else { return false }
        return bundleURLPrefixes.contains { url.hasPrefix($0) }
    }
}

/// Where a notification goes.
public enum NotificationChannel: Sendable, Equatable {
    case command([String])
    case url(URL)

    /// The channel's name in the store.
    public var name: String {
        switch self {
        case .command: "command"
        case .url: "url"
        }
    }
}
