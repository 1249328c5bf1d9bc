import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// The daemon as a swift-service-lifecycle service: recover, report READY, loop, and on SIGTERM
/// drain the workers within the stop timeout and exit cleanly.
public final class DaemonService: Service, Sendable {
    private let core: UncheckedCore
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let shuttingDown = Atomic<Bool>(false)

    /// The core is used from this service's task only.
    private struct UncheckedCore: @unchecked Sendable { let value: DaemonCore }

    public init(core: DaemonCore, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.core = UncheckedCore(value: core)
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        let core = self.core.value
        try core.recover()
        core.startIntakeThread()
        core.writeStatus()
        notifier.notify("READY=1\nSTATUS=" + core.statusLine())
        logger.info("ready", metadata: ["spool": "\(core.config.spool.path)", "status": "\(core.statusLine())"])
        var lastStatus = Date()
        var lastWatchdog = Date()
        await withGracefulShutdownHandler {
            while !shuttingDown.load(ordering: .relaxed) {
                var passed = false
                do {
                    try core.tick()
                    passed = true
                } catch {
                    // One failed pass (a full disk, a file that vanished) must not end the service:
                    // log it and try again on the next pass, a second later.
                    logger.error("pass failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                let now = Date()
                if now.timeIntervalSince(lastStatus) >= 2 {
                    notifier.notify("STATUS=" + core.statusLine())
                    core.writeStatus()
                    lastStatus = now
                }
                // Only a pass that did its work, with intake not failing, keeps the watchdog fed: a
                // daemon whose every pass fails is restarted by systemd, and the restart reconciles.
                if passed, !core.intakeFailing, let interval = notifier.watchdogInterval, now.timeIntervalSince(lastWatchdog) >= interval {
                    notifier.notify("WATCHDOG=1")
                    lastWatchdog = now
                }
                do {
                    try core.waitForWork(milliseconds: 200)
                } catch {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        } onGracefulShutdown: {
            self.shuttingDown.store(true, ordering: .relaxed)
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping: checkpointing \(core.runningCount) running jobs")
        logger.info("stopping", metadata: ["running": "\(core.runningCount)"])
        try core.drain(deadline: Date().addingTimeInterval(core.config.stopTimeoutSeconds))
        core.writeStatus()
        logger.info("stopped")
    }
}
