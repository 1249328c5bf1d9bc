import Foundation

/// One line of JSON with sorted keys and unescaped slashes: what `ptune predict --json` prints and
/// predictions.jsonl holds.
public enum JSONLine {
    /// `value` as one line of JSON, without the newline.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
