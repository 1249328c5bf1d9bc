import Base
@testable import Daemon
import Foundation
import TestSupport
import Testing

@Suite struct RetentionPolicyTests {

    @Test func readsEveryKey() throws {
        let policy = try ConfigFileFixture.settings("""
            [retention]
            done_days = 90
            failed_days = 30
            rejected_days = 7
            max_gb = 1.5
            artifact_days = 365
            sweep_minutes = 2
            """).retention
        #expect(policy.doneDays == 90 && policy.failedDays == 30 && policy.rejectedDays == 7 && policy.artifactDays == 365)
        #expect(policy.maxBytes == 1_610_612_736)
        #expect(policy.sweepSeconds == 120)
    }

    @Test func withoutTheTableResultsAreKeptAndRejectionsForAMonth() throws {
        let policy = try ConfigFileFixture.settings("max_jobs = 2\n").retention
        #expect(policy == RetentionPolicy())
        #expect(policy.doneDays == nil && policy.maxBytes == nil && policy.rejectedDays == 30)
    }

    @Test(arguments: [
        ("[retention]\ndone_day = 3\n", "unknown key retention.done_day"),
        ("[retention]\nmax_gb = -1\n", "retention.max_gb must be a positive number"),
        ("[retention]\nfailed_days = \"a week\"\n", "retention.failed_days must be a positive number"),
        ("[retention]\nmax_gb = 1e12\n", "retention.max_gb must be below 1e9"),
        ("retention = 3\n", "retention must be a table"),
    ])
    func badValuesAreRefusedNamingTheKey(toml: String, message: String) {
        ConfigFileFixture.expectRefused(toml, naming: message)
    }
}
