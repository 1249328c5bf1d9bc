import Base
import Foundation

/// Why a bundle was refused, as written to `rejected/NAME/reason.json`.
public struct RejectionReport: Codable, Sendable, Equatable {
    /// The bundle's name as it was submitted.
    public var name: String
    /// When it was rejected (ISO 8601, UTC, in the file).
    public var rejectedAt: Date
    public var problems: [TaskProblem]

    public init(name: String, rejectedAt: Date, problems: [TaskProblem]) {
        self.name = name
        self.rejectedAt = rejectedAt
        self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case name
        case rejectedAt = "rejected_at"
        case problems
    }

    /// `reason.json`: pretty-printed, keys sorted.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads a `reason.json`.
    public static func decode(_ data: Data) throws -> RejectionReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RejectionReport.self, from: data)
    }

    /// `reason.txt`: every problem on its own line, then what to do.
    public var text: String {
        let when = ISO8601DateFormatter().string(from: rejectedAt)
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return """
            The bundle "\(name)" was rejected at \(when) (\(count)):

            \(problems.map { "  - \($0)" }.joined(separator: "\n"))

            What to do: fix each problem in your own copy of the bundle (the text in parentheses
            says how), then submit it again with `ptune submit PATH`. Nothing in rejected/ is read
            again; delete this folder when you no longer need it.

            """
    }
}
