@testable import Daemon
import Foundation
import Testing

struct SlurmJobInfoTests {
    static let scontrolLine = "JobId=7 JobName=sst2 UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Requeue=0 "
        + "ExitCode=65:0 RunTime=00:00:02 NodeList=node3 BatchHost=node3 Comment=ptune job ab12 attempt 1 spool /s"

    @Test func readsStateExitCodeAndNodeFromScontrol() throws {
        let info = try #require(SlurmJobInfo.parseScontrol(Self.scontrolLine))
        #expect(info == SlurmJobInfo(state: "FAILED", exitCode: 65, signal: 0, node: "node3"))
        #expect(info.outcome == .exited(65))
    }

    @Test func aPendingJobHasNoNode() throws {
        let info = try #require(SlurmJobInfo.parseScontrol("JobId=8 JobState=PENDING Reason=Resources ExitCode=0:0 NodeList=(null)"))
        #expect(info.node == nil)
        #expect(info.outcome == .live)
    }

    @Test func aLineWithoutAJobStateIsNotRead() {
        #expect(SlurmJobInfo.parseScontrol("slurm_load_jobs error: Invalid job id specified") == nil)
    }

    @Test func readsSacctLinesWithTheCancellingUser() throws {
        let info = try #require(SlurmJobInfo.parseSacct("CANCELLED by 0|0:15|node1"))
        #expect(info == SlurmJobInfo(state: "CANCELLED", exitCode: 0, signal: 15, node: "node1"))
        #expect(SlurmJobInfo.parseSacct("garbage") == nil)
    }

    @Test(arguments: [
        ("PENDING", SlurmJobInfo.Outcome.live), ("RUNNING", .live), ("COMPLETING", .live), ("SUSPENDED", .live),
        ("REQUEUED", .live), ("A_STATE_FROM_A_LATER_SLURM", .live),
        ("TIMEOUT", .verdict(.timedOut)), ("DEADLINE", .verdict(.timedOut)),
        ("OUT_OF_MEMORY", .verdict(.memoryExceeded)),
    ])
    func mapsSlurmStatesOntoOutcomes(state: String, outcome: SlurmJobInfo.Outcome) {
        #expect(SlurmJobInfo(state: state, exitCode: 0, signal: 0, node: nil).outcome == outcome)
    }

    @Test func exitCodesAndSignalsOfFinishedJobs() {
        #expect(SlurmJobInfo(state: "COMPLETED", exitCode: 0, signal: 0, node: "n").outcome == .exited(0))
        #expect(SlurmJobInfo(state: "FAILED", exitCode: 0, signal: 9, node: "n").outcome == .signalled(9))
        #expect(SlurmJobInfo(state: "FAILED", exitCode: nil, signal: nil, node: "n").outcome == .exited(1))
    }

    @Test func aCancelFromOutsidePtuneIsACancel() {
        guard case .verdict(.cancelled(let detail)) = SlurmJobInfo(state: "CANCELLED", exitCode: 0, signal: 15, node: nil).outcome else {
            Issue.record("CANCELLED must end the job as cancelled")
            return
        }
        #expect(detail.contains("not through ptune"))
    }

    @Test(arguments: ["NODE_FAIL", "PREEMPTED", "BOOT_FAIL"])
    func lostJobsAreRequeued(state: String) {
        guard case .verdict(.requeue(let detail)) = SlurmJobInfo(state: state, exitCode: 0, signal: 0, node: "n2").outcome else {
            Issue.record("\(state) must requeue the job")
            return
        }
        #expect(detail.contains(state) && detail.contains("n2"))
    }
}
