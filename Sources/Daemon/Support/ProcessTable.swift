import Foundation

/// Looks through /proc for processes this user can see.
enum ProcessTable {
    /// True when a live process has `argument` among its command-line arguments (a zombie's command
    /// line is empty, so an ended process never matches).
    static func anyRunning(withArgument argument: String) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        let wanted = Data(argument.utf8)
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            if line.split(separator: 0).contains(where: { Data($0) == wanted }) { return true }
        }
        return false
    }
}
