import Foundation

/// Reads JSON Lines: each line one JSON object. Strings, numbers and booleans become text
/// (`1` -> "1", `0.5` -> "0.5", `true` -> "true"); objects, arrays and null are kept as unusable.
enum JSONLinesParser {
    static func parse(_ lines: DataLines, file: String, problems: inout ProblemCollector) -> DataRecords {
        var result = DataRecords()
        let decoder = JSONDecoder()
        for (number, text) in lines.lines {
            do {
                let object = try decoder.decode([String: JSONField].self, from: Data(text.utf8))
                result.records.append(DataRecord(line: number, fields: object.mapValues(\.value)))
            } catch {
                problems.add(file: file, line: number, message(for: error),
                             hint: "each line must be one JSON object, e.g. {\"sentence\": \"...\", \"label\": 1}",
                             kind: "json")
            }
        }
        return result
    }

    private static func message(for error: any Error) -> String {
        if case DecodingError.typeMismatch = error { return "not a JSON object" }
        return "not valid JSON"
    }
}

/// One value of a JSON object, reduced to what a record can use.
private struct JSONField: Decodable {
    let value: DataRecord.Value

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() { value = .unusable("null"); return }
            if let bool = try? container.decode(Bool.self) { value = .text(bool ? "true" : "false"); return }
            if let int = try? container.decode(Int64.self) { value = .text(String(int)); return }
            if let double = try? container.decode(Double.self) { value = .text(Self.text(double)); return }
            if let string = try? container.decode(String.self) { value = .text(string); return }
        }
        value = .unusable((try? decoder.unkeyedContainer()) != nil ? "an array" : "an object")
    }

    /// Integral values without a fraction ("2" for 2.0), others in Swift's shortest form.
    private static func text(_ double: Double) -> String {
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return String(double)
    }
}
