import Foundation
import Synchronization

/// Runs intake on a thread of its own while the service runs, so reading, unpacking and copying a
/// large bundle never holds up supervision: wall times, memory limits, cancels and the watchdog go
/// on meanwhile. The scanner's claims and take-ins run under `lock`, which the supervision loop
/// also takes when it reconciles the spool (so the two never work on one claim at once). A failed
/// scan is logged and asks the loop to reconcile the spool (`takeReconcileRequest`), as a failed
/// pass does: what it left half-done (a claim, a bundle adopted but not recorded) is finished there.
/// Intake then scans again after `retryDelay` (a second after a first failure), not at the next
/// full rescan.
final class IntakeThread: @unchecked Sendable {
    private let scanner: IntakeScanner
    private let context: DaemonContext
    let lock = NSLock()
    private let stopping = Atomic<Bool>(false)
    private let failing = Atomic<Bool>(false)
    private let reconcileRequested = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    /// Signalled after each scan, so the supervision loop admits what was queued without waiting out its sleep.
    let scanned = DispatchSemaphore(value: 0)

    init(scanner: IntakeScanner, context: DaemonContext) {
        self.scanner = scanner
        self.context = context
        scanner.shouldStop = { [weak self] in self?.stopping.load(ordering: .relaxed) ?? true }
    }

    /// True from a failed scan to the next one that worked: the watchdog is not fed meanwhile.
    var isFailing: Bool { failing.load(ordering: .relaxed) }

    /// True once after a failed scan: the caller reconciles the spool (under `lock`).
    func takeReconcileRequest() -> Bool { reconcileRequested.exchange(false, ordering: .acquiringAndReleasing) }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ptune intake"
        thread.start()
    }

    /// Stops claiming at once, and waits until `deadline` for the entry being taken in to be done
    /// (one left half-done is finished by the next start, from its claim record). May be called
    /// again, with a later deadline.
    func stop(deadline: Date) {
        stopping.store(true, ordering: .relaxed)
        // The thread's exit is signalled once; whoever sees it passes it on to the next call.
        if exited.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .success { exited.signal() }
    }

    /// After a failed scan intake scans again this much later, doubling on each failure in a row
    /// up to the rescan interval: a transient error (a full disk, an I/O error) delays a bundle by
    /// about a second, a lasting one is retried, and logged, no more often than the rescans.
    static func retryDelay(afterFailures failures: Int, rescanSeconds: Double) -> Double {
        min(max(rescanSeconds, 1), pow(2, Double(min(failures, 32) - 1)))
    }

    private func run() {
        defer { exited.signal() }
        var failures = 0
        while !stopping.load(ordering: .relaxed) {
            do {
                let didScan = try lock.withLock { try scanner.scanIfDue(now: context.clock.now()) }
                if didScan {
                    failing.store(false, ordering: .relaxed)
                    scanned.signal()
                }
                try scanner.waitForWork(milliseconds: 200, stopping: false)
                failures = 0
            } catch {
                failures += 1
                let delay = Self.retryDelay(afterFailures: failures, rescanSeconds: context.config.rescanSeconds)
                context.logger.error("intake failed; retrying", metadata: ["error": "\(error)", "in_seconds": "\(delay)"])
                reconcileRequested.store(true, ordering: .releasing)
                failing.store(true, ordering: .relaxed)
                let resume = Date().addingTimeInterval(delay)
                while !stopping.load(ordering: .relaxed), Date() < resume { usleep(100_000) }
                scanner.scanOnNextPass()
            }
        }
    }
}
