import GRDB
@testable import Store
import Testing

@Suite struct IndexTests {
    private func plan(_ sql: String, _ arguments: StatementArguments = []) throws -> String {
        let store = try StoreFixture().writer()
        return try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                .map { try $0.decode(String.self, forColumn: "detail") }
                .joined(separator: "; ")
        }
    }

    @Test(arguments: [
        ("SELECT * FROM job WHERE state = ? ORDER BY priority DESC, submittedAt, id", ["queued"],
         "SEARCH job USING INDEX job_queue (state=?)"),
        ("SELECT * FROM job ORDER BY submittedAt DESC, id DESC LIMIT 20", [], "SCAN job USING INDEX job_submitted"),
        ("SELECT * FROM job WHERE submittedAt >= ? ORDER BY submittedAt DESC, id DESC", ["2025-01-01"],
         "SEARCH job USING INDEX job_submitted (submittedAt>?)"),
        ("SELECT * FROM job WHERE id GLOB ? ORDER BY id", ["abcd*"],
         "SEARCH job USING INDEX sqlite_autoindex_job_1 (id>? AND id<?)"),
        ("SELECT * FROM job WHERE bundleSHA256 = ?", ["00"],
         "SEARCH job USING INDEX sqlite_autoindex_job_2 (bundleSHA256=?)"),
        ("SELECT * FROM attempt WHERE jobID = ? ORDER BY number", ["j"],
         "SEARCH attempt USING INDEX sqlite_autoindex_attempt_1 (jobID=?)"),
        ("SELECT * FROM event WHERE jobID = ? ORDER BY id", ["j"], "SEARCH event USING INDEX event_job (jobID=?)"),
        ("SELECT * FROM metric WHERE jobID = ? ORDER BY attempt, seed, step, name", ["j"],
         "SEARCH metric USING PRIMARY KEY (jobID=?)"),
        ("SELECT name FROM artifact WHERE jobID = ? ORDER BY name", ["j"],
         "SEARCH artifact USING PRIMARY KEY (jobID=?)"),
    ] as [(String, [String], String)])
    func queriesUseAnIndexWithoutSorting(sql: String, arguments: [String], expected: String) throws {
        #expect(try plan(sql, StatementArguments(arguments)) == expected)
    }
}
