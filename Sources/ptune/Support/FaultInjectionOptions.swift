import ArgumentParser
import Base

/// The hidden options of the crash and I/O-error tests (docs/RELIABILITY.md): a fault plan for this
/// process's durable steps, and a file numbering them.
struct FaultInjectionOptions: ParsableArguments {
    @Option(name: .long, help: .hidden) var faultPlan: String?
    @Option(name: .long, help: .hidden) var faultLog: String?

    func validate() throws {
        try Self.check(faultPlan, option: "--fault-plan")
    }

    /// Refuses a plan that is not `count` or `ACTION@N`, naming `option`.
    static func check(_ plan: String?, option: String) throws {
        if let plan, FaultInjection.Plan(plan) == nil {
            throw ValidationError("\(option): expected count or crash|enospc|eio@N, got \(plan).")
        }
    }

    /// Arms the plan, if one was given.
    func apply() {
        if let plan = faultPlan.flatMap(FaultInjection.Plan.init) { FaultInjection.configure(plan, log: faultLog) }
    }
}
