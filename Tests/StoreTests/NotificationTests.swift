import Foundation
@testable import Store
import Testing

/// The notification outbox: which ended jobs are due on a channel, and when again after a failure.
struct NotificationTests {
    @Test func jobsEndedSinceAChannelWasConfiguredAreDueUntilDelivered() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        func ended(_ prefix: String, _ state: JobState, at offset: Double) throws -> String {
            var job = makeJob(prefix, state: state)
            job.finishedAt = t0.addingTimeInterval(offset)
            try store.insertJob(job, durable: false)
            return job.id
        }
        let before = try ended("a1", .succeeded, at: -10)
        try store.configureNotifyChannels(["url"], at: t0)
        let ok = try ended("b1", .succeeded, at: 5), bad = try ended("b2", .failed, at: 6)
        _ = try ended("b3", .rejected, at: 7)
        var trial = makeJob("b4", state: .succeeded)
        trial.finishedAt = t0.addingTimeInterval(8)
        trial.parentID = ok
        trial.trialKey = "trial-1-000000000000"
        try store.insertJob(trial, durable: false)
        try store.insertJob(makeJob("c1"), durable: false)
        let states: [JobState] = [.succeeded, .failed]
        let now = t0.addingTimeInterval(100)
        #expect(try store.dueNotifications(channel: "url", states: states, now: now, limit: 10).map(\.id) == [ok, bad],
                "a search's trial is told of through its search")
        #expect(try store.dueNotifications(channel: "command", states: states, now: now, limit: 10).isEmpty)
        #expect(!(try store.dueNotifications(channel: "url", states: states, now: now, limit: 10).map(\.id)).contains(before))

        try store.saveNotification(NotificationRecord(jobID: ok, channel: "url", state: .sending, attempts: 1, updatedAt: now), event: nil)
        try store.saveNotification(NotificationRecord(jobID: bad, channel: "url", state: .retry, attempts: 1,
                                                      nextAt: now.timeIntervalSince1970 + 2, updatedAt: now), event: "failed once")
        #expect(try store.dueNotifications(channel: "url", states: states, now: now, limit: 10).isEmpty)
        #expect(try store.notificationsInFlight().map(\.jobID) == [ok])
        #expect(try store.dueNotifications(channel: "url", states: states, now: now.addingTimeInterval(2), limit: 10).map(\.id) == [bad])
        #expect(try store.events(jobID: bad).contains { $0.kind == EventRecord.Kind.notify && $0.message == "failed once" })

        // A channel dropped from the config is forgotten; configured again, it starts afresh.
        try store.configureNotifyChannels([], at: now)
        try store.configureNotifyChannels(["url"], at: now.addingTimeInterval(10))
        #expect(try store.notification(jobID: bad, channel: "url") == nil)
        #expect(try store.dueNotifications(channel: "url", states: states, now: now.addingTimeInterval(20), limit: 10).isEmpty)
    }
}
