@testable import Daemon
import Foundation
import Glibc
import Store
import TestSupport
import Testing

/// Jobs belong to the user who dropped the entry; only that user, root or the service user may cancel.
@Suite struct SchedulerOwnerTests {
    static let owner: uid_t = 4242
    static let neighbour: uid_t = 5151

    /// Submits `name` as if user `owner` had dropped it.
    func submit(_ f: SchedulerFixture, _ name: String) throws {
        try f.submit(name)
        #expect(lchown(f.layout.incoming.appendingPathComponent(name).path, Self.owner, Self.owner) == 0)
    }

    /// Files a cancel request for `name` as user `uid`.
    func cancel(_ f: SchedulerFixture, _ name: String, as uid: uid_t) throws {
        let id = try f.job(name).id
        try CancelRequests.request(id, spool: f.layout.root)
        #expect(lchown(f.layout.root.appendingPathComponent("control/cancel/\(id)").path, uid, uid) == 0)
    }

    @Test func aJobBelongsToTheUserWhoDroppedIt() throws {
        let f = try SchedulerFixture()
        try submit(f, "mine")
        try f.tick()
        #expect(try f.job("mine").ownerUID == Int(Self.owner))
        #expect(try f.store.jobs(ownerUID: Int(Self.owner)).map(\.name) == ["mine"])
        #expect(try f.store.jobs(ownerUID: Int(Self.neighbour)).isEmpty)
    }

    @Test func aNeighboursCancelRequestIsRefusedAndTheOwnersIsHonoured() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        try submit(f, "running")
        try f.tick()
        try submit(f, "waiting")
        try f.tick()
        let worker = try f.worker("running")
        try cancel(f, "running", as: Self.neighbour)
        try cancel(f, "waiting", as: Self.neighbour)
        try f.tick()
        #expect(worker.signals.isEmpty && CancelRequests.pending(layout: f.layout).isEmpty)
        #expect(try f.state("running") == .running && f.state("waiting") == .queued)
        let refused = try f.store.events(jobID: f.job("waiting").id).filter { $0.kind == "cancel_refused" }
        #expect(refused.map(\.message) == ["a cancel request by uid 5151 was refused: the job belongs to uid 4242"])

        try cancel(f, "waiting", as: Self.owner)
        try cancel(f, "running", as: 0)
        try f.tick()
        #expect(worker.signals == [SIGTERM])
        #expect(try f.state("waiting") == .cancelled)
    }
}
