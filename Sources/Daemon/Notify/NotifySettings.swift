import Base
import Foundation
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
public struct NotifySettings: Sendable, Equatable {
    public var command: [String]?
    public var url: URL?
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

    static let keys = ["command", "url", "states", "timeout_seconds", "max_attempts"]

    /// Reads `[notify]`, with errors naming the file and the key.
    static func read(_ table: ConfigReader) throws -> NotifySettings {
        try table.checkKeys(keys)
        let file = table.file
        var settings = NotifySettings()
        let example = "[\"/usr/local/bin/on-ptune-job\", \"--quiet\"]"
        if let argv = try table.strings("command", example: example) {
            guard let program = argv.first, program.hasPrefix("/") else {
                throw ActionableError("\(file): notify.command must be an array of strings, the first an absolute path",
                                      hint: "for example command = \(example)")
            }
            settings.command = argv
        }
        if let text = try table.string("url") {
            guard let url = URL(string: text), url.scheme == "http", url.host != nil else {
                throw ActionableError("\(file): notify.url must be an http:// URL, got \"\(text)\"",
                                      hint: "for an https receiver, use command = [\"/usr/bin/curl\", ...] or a local relay")
            }
            settings.url = url
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
        guard !settings.channels.isEmpty else {
            throw ActionableError("\(file): [notify] names no channel", hint: "set command = [...] and/or url = \"...\", or remove the table")
        }
        return settings
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
