import PTuning
import TOMLKit

/// Where manifest problems go, and how they find their line.
final class ManifestDiagnostics {
    static let file = "task.toml"
    var collector: ProblemCollector
    let lines: ManifestLineIndex

    init(collector: ProblemCollector, lines: ManifestLineIndex) {
        self.collector = collector
        self.lines = lines
    }

    /// Problems reported so far, of the whole manifest.
    var count: Int { collector.problems.count }

    func add(_ path: [String], _ message: String, hint: String? = nil) {
        collector.add(file: Self.file, line: lines.line(of: path),
                      field: path.isEmpty ? nil : path.joined(separator: "."), message, hint: hint)
    }
}

/// One table of the manifest: typed reads with range checks, each failure reported under the key's
/// full name ("training.learning_rate"). Unknown keys are reported when the table is opened.
struct ManifestTable {
    let table: TOMLTable
    let path: [String]
    let diagnostics: ManifestDiagnostics

    init(_ table: TOMLTable, path: [String], validKeys: [String], diagnostics: ManifestDiagnostics) {
        self.table = table
        self.path = path
        self.diagnostics = diagnostics
        let valid = Set(validKeys)
        for key in table.keys where !valid.contains(key) {
            diagnostics.add(path + [key], "unknown key", hint: KeySuggestion.hint(for: key, validKeys: validKeys))
        }
    }

    func contains(_ key: String) -> Bool { table.contains(key: key) }

    func problem(_ key: String, _ message: String, hint: String? = nil) {
        diagnostics.add(path + [key], message, hint: hint)
    }

    /// A problem with the table as a whole, reported under its own name.
    func tableProblem(_ message: String, hint: String? = nil) {
        diagnostics.add(path, message, hint: hint)
    }

    /// The value at `key`, reporting a missing required key.
    func value(_ key: String, required: Bool = false) -> TOMLValueConvertible? {
        guard let value = table[key] else {
            if required { problem(key, "missing required key") }
            return nil
        }
        return value
    }

    func wrongType(_ key: String, _ value: TOMLValueConvertible, expected: String) {
        problem(key, "expected \(expected), found \(Self.describe(value.type))")
    }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard let string = value.string else { wrongType(key, value, expected: "a string"); return nil }
        return string
    }

    /// A non-empty string.
    func nonEmptyString(_ key: String, required: Bool = false) -> String? {
        guard let string = string(key, required: required) else { return nil }
        guard !string.isEmpty else { problem(key, "must not be empty"); return nil }
        return string
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { wrongType(key, value, expected: "true or false"); return nil }
        return bool
    }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else { wrongType(key, value, expected: "an integer"); return nil }
        guard range.contains(int) else { problem(key, "\(int) is out of range", hint: Self.allowed(range)); return nil }
        return int
    }

    /// A finite number (an integer is accepted) for which `isAllowed` holds; `allowed` describes the range.
    /// It must keep its value as a 32-bit float, as training holds every setting.
    func number(_ key: String, allowed: String, _ isAllowed: (Double) -> Bool) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            wrongType(key, value, expected: "a number"); return nil
        }
        guard number.isFinite else { problem(key, "must be a finite number", hint: "allowed: \(allowed)"); return nil }
        guard Self.fitsFloat(number) else {
            problem(key, "\(number) does not fit a 32-bit float", hint: "allowed: \(allowed); training holds sizes from 1.2e-38 to 3.4e38")
            return nil
        }
        guard isAllowed(number) else { problem(key, "\(number) is out of range", hint: "allowed: \(allowed)"); return nil }
        return number
    }

    /// Whether `number` is 0 or a normal 32-bit float in size: neither infinite nor flushed towards 0 as one.
    static func fitsFloat(_ number: Double) -> Bool {
        number == 0 || (Double(Float.leastNormalMagnitude)...Double(Float.greatestFiniteMagnitude)).contains(abs(number))
    }

    func oneOf<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type, required: Bool = false)
        -> Choice? where Choice.RawValue == String {
        guard let string = string(key, required: required) else { return nil }
        if let choice = Choice(rawValue: string) { return choice }
        let names = Choice.allCases.map(\.rawValue)
        var hint = "one of: " + names.joined(separator: ", ")
        if let close = KeySuggestion.closest(to: string, among: names) { hint = "did you mean \(close)?; " + hint }
        problem(key, "\"\(string)\" is not allowed", hint: hint)
        return nil
    }

    func stringArray(_ key: String) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { wrongType(key, value, expected: "an array of strings"); return nil }
        var strings: [String] = []
        for element in array {
            guard let string = element.string else {
                wrongType(key, element, expected: "strings in the array"); return nil
            }
            strings.append(string)
        }
        return strings
    }

    /// A non-empty array of integers, each in `range`.
    func intArray(_ key: String, elementsIn range: ClosedRange<Int>) -> [Int]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { wrongType(key, value, expected: "an array of integers"); return nil }
        guard !array.isEmpty else { problem(key, "must not be empty"); return nil }
        var ints: [Int] = []
        for element in array {
            guard let int = element.int else { wrongType(key, element, expected: "integers in the array"); return nil }
            guard range.contains(int) else { problem(key, "\(int) is out of range", hint: Self.allowed(range)); return nil }
            ints.append(int)
        }
        return ints
    }

    /// The sub-table at `key`, with its own key checks; `validKeys` nil accepts any key (a table whose
    /// keys are data, such as `[labels]`).
    func subtable(_ key: String, validKeys: [String]?) -> ManifestTable? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { wrongType(key, value, expected: "a table"); return nil }
        return ManifestTable(table, path: path + [key], validKeys: validKeys ?? table.keys, diagnostics: diagnostics)
    }

    static func describe(_ type: TOMLType) -> String {
        switch type {
        case .int: "an integer"
        case .double: "a floating-point number"
        case .array: "an array"
        case .table: "a table"
        case .string: "a string"
        case .bool: "a boolean"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }

    static func allowed(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "allowed: \(range.lowerBound) or more" : "allowed: \(range.lowerBound)...\(range.upperBound)"
    }
}
