import Base
import Foundation
import Glibc
import Store

/// Tells the `[notify]` channels, and the channels of bundles' own `[notify]` tables, when jobs end, with at most `maxInFlight` deliveries at once, each
/// in a `ptune deliver-notification` process of its own so the scheduler never waits for one.
///
/// The outbox is the store: a job that ended since a channel was configured and has no delivered
/// (or given up) notification on it is due. A delivery's row says `sending` (durably) before its
/// process starts, and only the result that process leaves in its folder ends it; a daemon killed
/// meanwhile finds the row at its next start and waits for the process (still running, or its
/// result already there) instead of sending again. So every job is told once on each channel, and
/// a failed delivery is retried with backoff (1 s, 2 s, 4 s, ... 5 min) up to `max_attempts`.
final class Notifier {
    static let maxInFlight = 4
    private let context: DaemonContext
    private let settings: NotifySettings
    private var processes: [String: WorkerProcess] = [:]
    private var lastPass = Date.distantPast

    init(context: DaemonContext, settings: NotifySettings) throws {
        self.context = context
        self.settings = settings
        try context.store.configureNotifyChannels(settings.channels.map(\.name), at: context.clock.now())
    }

    private var root: URL { context.layout.tmp.appendingPathComponent("notify") }
    private func folder(_ jobID: String, _ channel: String) -> URL { root.appendingPathComponent("\(jobID).\(channel)") }

    /// Settles finished deliveries and starts due ones; at most twice a second.
    func advance(now: Date) {
        guard now.timeIntervalSince(lastPass) >= 0.5 else { return }
        lastPass = now
        do {
            var inFlight = 0
            for record in try context.store.notificationsInFlight() where try !settle(record, now: now) { inFlight += 1 }
            for channel in settings.channels where inFlight < Self.maxInFlight {
                for job in try context.store.dueNotifications(channel: channel.name, states: settings.states, now: now,
                                                              limit: Self.maxInFlight - inFlight) {
                    try start(job, on: channel.name, to: channel, now: now)
                    inFlight += 1
                }
            }
            for name in [JobStore.bundleCommandChannel, JobStore.bundleURLChannel] where inFlight < Self.maxInFlight {
                for (job, notify) in try context.store.dueBundleNotifications(channel: name, now: now,
                                                                              limit: Self.maxInFlight - inFlight) {
                    try start(job, on: name, to: bundleChannel(notify, name: name), now: now)
                    inFlight += 1
                }
            }
        } catch {
            context.logger.error("notifications: cannot advance; retrying", metadata: ["error": "\(error)"])
        }
    }

    /// Where a bundle's own channel `name` goes, when the config still allows it.
    private func bundleChannel(_ notify: JobNotifyRecord, name: String) -> NotificationChannel? {
        if name == JobStore.bundleCommandChannel {
            return notify.command.flatMap { settings.bundleCommands[$0] }.map(NotificationChannel.command)
        }
        guard let url = notify.url, settings.allowsBundleURL(url) else { return nil }
        return URL(string: url).map(NotificationChannel.url)
    }

    /// Starts a delivery of `job`'s end on the channel named `name`, to `target`; a target the config
    /// no longer allows (nil) is given up at once.
    private func start(_ job: JobRecord, on name: String, to target: NotificationChannel?, now: Date) throws {
        let attempts = (try context.store.notification(jobID: job.id, channel: name)?.attempts ?? 0) + 1
        guard let target else {
            try fail(NotificationRecord(jobID: job.id, channel: name, state: .sending, attempts: settings.maxAttempts,
                                        updatedAt: now),
                     "the config no longer allows the bundle's \(name == JobStore.bundleCommandChannel ? "command" : "url")",
                     now: now)
            return
        }
        let folder = folder(job.id, name)
        FileSystem.removeTree(folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var request = NotificationRequest(id: "\(job.id).\(name)", timeoutSeconds: settings.timeoutSeconds)
        switch target {
        case .command(let argv): request.command = argv
        case .url(let url): request.url = url
        }
        try AtomicFile.write(try JSONEncoder().encode(request), to: folder.appendingPathComponent(NotificationRequest.requestFile).path,
                             mode: 0o600)
        let payload = try NotificationRequest.payload(for: job, layout: SpoolLayoutPaths(done: context.layout.done,
                                                                                       failed: context.layout.failed))
        try AtomicFile.write(payload, to: folder.appendingPathComponent(NotificationRequest.payloadFile).path, mode: 0o600)
        try context.store.saveNotification(NotificationRecord(jobID: job.id, channel: name, state: .sending,
                                                              attempts: attempts, updatedAt: now), event: nil)
        do {
            processes[request.id] = try WorkerProcess(executable: context.config.workerExecutable,
                                                      arguments: ["deliver-notification", folder.path], environment: [:])
        } catch {
            try fail(NotificationRecord(jobID: job.id, channel: name, state: .sending, attempts: attempts, updatedAt: now),
                     "\(error)", now: now)
        }
    }

    /// Ends `record` when its delivery has a result (or its process is gone); false while it runs.
    private func settle(_ record: NotificationRecord, now: Date) throws -> Bool {
        let key = "\(record.jobID).\(record.channel)"
        let folder = folder(record.jobID, record.channel)
        if let result = NotificationRequest.result(in: folder) {
            if result.delivered {
                var done = record
                done.state = .delivered
                done.updatedAt = now
                done.lastError = nil
                try context.store.saveNotification(done, event: "notified (\(record.channel), attempt \(record.attempts))")
            } else {
                try fail(record, result.detail, now: now)
            }
            _ = processes.removeValue(forKey: key)?.poll()
            FileSystem.removeTree(folder.path)
            return true
        }
        if let process = processes[key] {
            guard process.poll() else { return false }
            processes[key] = nil
            // Its result may have landed between the two looks.
            if NotificationRequest.result(in: folder) != nil { return try settle(record, now: now) }
        } else if ProcessTable.anyRunning(withArgument: folder.path) {
            return false
        }
        try fail(record, "the delivery process ended without a result", now: now)
        FileSystem.removeTree(folder.path)
        return true
    }

    private func fail(_ record: NotificationRecord, _ detail: String, now: Date) throws {
        var failed = record
        failed.lastError = detail
        failed.updatedAt = now
        if record.attempts >= settings.maxAttempts {
            failed.state = .abandoned
            failed.nextAt = nil
            try context.store.saveNotification(failed, event: "notification given up (\(record.channel)) after \(record.attempts) attempts: \(detail)")
            context.logger.error("notification given up", metadata: ["job": "\(record.jobID)", "channel": "\(record.channel)", "error": "\(detail)"])
            return
        }
        let wait = min(300, pow(2, Double(record.attempts - 1)))
        failed.state = .retry
        failed.nextAt = now.timeIntervalSince1970 + wait
        try context.store.saveNotification(failed, event: "notification failed (\(record.channel), attempt \(record.attempts)): \(detail); next in \(Int(wait)) s")
    }
}
