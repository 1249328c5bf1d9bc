import Glibc
import Synchronization

/// Test-only fault injection for the durable steps of the service (file writes, fsyncs, renames,
/// SQLite commits): each such step calls `step(_:)`, which counts it and, at the planned step,
/// kills the process or makes the step fail with an errno.
///
/// Nothing happens unless a plan is configured, which only `ptune serve --fault-plan` (a hidden
/// option for the crash and I/O-error tests) does. Steps are numbered from 1 in the order this
/// process reaches them.
public enum FaultInjection {
    /// What to do at the planned step.
    public enum Action: String, Sendable, CaseIterable {
        /// SIGKILL the process just before the step: a crash between two durable steps.
        case crash
        /// Fail the step with ENOSPC (a full disk).
        case enospc
        /// Fail the step with EIO.
        case eio
    }

    /// `ACTION@N` (crash@12, enospc@3, eio@7), or `count` to number the steps without acting.
    public struct Plan: Sendable, Equatable {
        public var action: Action?
        public var step: Int

        public init?(_ text: String) {
            if text == "count" {
                action = nil
                step = 0
                return
            }
            let parts = text.split(separator: "@")
            guard parts.count == 2, let action = Action(rawValue: String(parts[0])), let step = Int(parts[1]), step > 0 else {
                return nil
            }
            self.action = action
            self.step = step
        }
    }

    private struct State {
        var plan: Plan?
        var log: Int32 = -1
        var count = 0
    }

    private static let state = Mutex(State())
    private static let enabled = Atomic<Bool>(false)

    /// Arms the plan; with `log`, every step is appended to that file as "N NAME".
    public static func configure(_ plan: Plan, log: String?) {
        state.withLock { state in
            state.plan = plan
            if let log { state.log = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
        }
        enabled.store(true, ordering: .releasing)
    }

    /// Counts one durable step. Returns the errno the step must fail with, or nil to go on; at a
    /// planned crash it does not return.
    public static func step(_ name: @autoclosure () -> String) -> Int32? {
        guard enabled.load(ordering: .acquiring) else { return nil }
        return state.withLock { state -> Int32? in
            state.count += 1
            if state.log >= 0 {
                let line = Array("\(state.count) \(name())\n".utf8)
                _ = line.withUnsafeBytes { write(state.log, $0.baseAddress, $0.count) }
            }
            guard let plan = state.plan, let action = plan.action, state.count == plan.step else { return nil }
            switch action {
            case .crash:
                kill(getpid(), SIGKILL)
                while true { pause() }
            case .enospc:
                return ENOSPC
            case .eio:
                return EIO
            }
        }
    }
}
