@testable import PTuning

/// A kind's manifest table as plain values, recording the problems a kind reports.
final class FakeKindManifest: KindManifest {
    var table: [String: Any]?
    var files: [String: [String]] = [:]
    var labelField = "label"
    private(set) var problems: [String] = []

    init(_ table: [String: Any]?) {
        self.table = table
    }

    var hasTable: Bool { table != nil }
    var keys: [String] { table.map { Array($0.keys).sorted() } ?? [] }
    func contains(_ key: String) -> Bool { table?[key] != nil }

    func nonEmptyString(_ key: String) -> String? {
        guard let value = table?[key] as? String, !value.isEmpty else { return nil }
        return value
    }

    func stringArray(_ key: String) -> [String]? { table?[key] as? [String] }

    func number(_ key: String, allowed: String, _ isAllowed: (Double) -> Bool) -> Double? {
        guard let value = table?[key] as? Double else { return nil }
        guard isAllowed(value) else { problems.append("\(key): not allowed (\(allowed))"); return nil }
        return value
    }

    func problem(_ key: String?, _ message: String, hint: String?) { problems.append("\(key ?? "table"): \(message)") }

    func lines(ofFile path: String, key: String) -> [String]? {
        guard let lines = files[path] else { problems.append("\(key): \(path) missing"); return nil }
        return lines
    }

    func fileProblem(_ path: String, _ message: String) { problems.append("\(path): \(message)") }
}
