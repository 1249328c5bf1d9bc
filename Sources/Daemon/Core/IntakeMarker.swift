import Base
import Foundation
import Glibc
import Spool

/// Protection from a bundle that crashes the daemon while it is read (a parser bug): before taking a
/// claimed entry in, the daemon records its name in `active/claims/.taking-in`, and removes the
/// record when done. A record found at start-up means the daemon died reading that entry; it is
/// tried once more, and a second death rejects it instead of looping.
struct IntakeMarker {
    let path: String

    init(layout: SpoolLayout) {
        path = layout.claims.appendingPathComponent(".taking-in").path
    }

    /// Deaths while reading an entry after which it is rejected.
    static let deathsAllowed = 2

    /// The entry named in the record and how many daemon deaths it has seen.
    func read() -> (name: String, deaths: Int)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, let deaths = Int(lines[1]), !lines[0].isEmpty else { return nil }
        return (String(lines[0]), deaths)
    }

    /// Records that `name` is being taken in, keeping the count of deaths it already caused.
    func begin(_ name: String) throws {
        let deaths = read().flatMap { $0.name == name ? $0.deaths : nil } ?? 0
        try write(name, deaths: deaths)
    }

    /// The entry was taken in (or failed without killing the daemon).
    func end() {
        unlink(path)
    }

    /// At start-up: the entry the last daemon died reading, with the deaths counted so far, this
    /// one included; nil when it died elsewhere.
    func afterDeath() throws -> (name: String, deaths: Int)? {
        guard let last = read() else { return nil }
        try write(last.name, deaths: last.deaths + 1)
        return (last.name, last.deaths + 1)
    }

    private func write(_ name: String, deaths: Int) throws {
        try AtomicFile.write(Data("\(name)\n\(deaths)\n".utf8), to: path)
    }
}
