import Foundation
import LM

/// Typed reads of a prompt file's metadata, each failure a `ModelFileError` naming the file and key.
public struct PromptMetadataReader {
    public let path: String
    public let metadata: [String: String]

    public init(path: String, metadata: [String: String]) {
        self.path = path
        self.metadata = metadata
    }

    public func string(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw ModelFileError.missingKey(path: path, key: key) }
        return value
    }

    /// Checks that `format` and `format_version` are the ones the caller reads.
    public func requireFormat(_ format: String, version: String) throws {
        guard try string("format") == format else {
            throw ModelFileError.badValue(path: path, key: "format", expected: format, found: metadata["format"] ?? "")
        }
        let found = try string("format_version")
        guard found == version else {
            throw ModelFileError.unsupportedFeature(path: path, feature: "\(format) version \(found)")
        }
    }

    public func number<T: LosslessStringConvertible>(_ key: String) throws -> T {
        let text = try string(key)
        guard let value = T(text) else {
            throw ModelFileError.badValue(path: path, key: key, expected: "a number", found: text)
        }
        return value
    }

    /// `key` as "true" or "false".
    public func bool(_ key: String) throws -> Bool {
        let text = try string(key)
        guard let value = Bool(text) else {
            throw ModelFileError.badValue(path: path, key: key, expected: "true or false", found: text)
        }
        return value
    }

    /// `key` as a number within `range` (a NaN never is).
    public func number<T: LosslessStringConvertible & Comparable>(_ key: String, in range: ClosedRange<T>) throws -> T {
        let value: T = try number(key)
        guard range.contains(value) else {
            throw ModelFileError.badValue(path: path, key: key, expected: "a number from \(range.lowerBound) to \(range.upperBound)",
                                          found: String(describing: value))
        }
        return value
    }

    /// The error for `key`, whose value reads but does not describe a task ptune can run: `detail` says why.
    public func invalid(_ key: String, _ detail: String) -> ModelFileError {
        .malformed(path: path, what: "metadata \(key)", detail: detail)
    }

    public func json<T: Decodable>(_ key: String) throws -> T {
        let text = try string(key)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ModelFileError.badValue(path: path, key: key, expected: "JSON of \(T.self)", found: text)
        }
    }

    /// A value as metadata text: JSON with sorted keys and unescaped slashes.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
