import Foundation

/// The warnings a worker's `report.json` gives about its exported prompt (`summary.warnings`; see
/// docs/REPORT.md), read without the training modules: only the fields the daemon records.
enum ReportWarnings {
    private struct Report: Decodable {
        struct Summary: Decodable {
            struct Warning: Decodable {
                let kind: String
                let message: String
            }
            let warnings: [Warning]?
        }
        let summary: Summary
    }

    /// "kind: message" per warning; empty when the report has none or cannot be read (the report
    /// itself is kept as an artifact either way).
    static func read(from url: URL) -> [String] {
        guard let data = try? Data(contentsOf: url),
              let report = try? JSONDecoder().decode(Report.self, from: data) else { return [] }
        return (report.summary.warnings ?? []).map { "\($0.kind): \($0.message)" }
    }
}
