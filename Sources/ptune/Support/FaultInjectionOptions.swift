import ArgumentParser
import FaultInjection

/// The hidden options of the crash and I/O-error tests (docs/RELIABILITY.md): a fault plan for this
/// process's durable steps, and a file numbering them.
struct FaultInjectionOptions: ParsableArguments {
    @Option(name: .long, help: .hidden) var faultPlan: String?
    @Option(name: .long, help: .hidden) var faultLog: String?

    func validate() throws {
        if let faultPlan, FaultInjection.Plan(faultPlan) == nil {
            throw ValidationError("--fault-plan: expected count or crash|enospc|eio@N, got \(faultPlan).")
        }
    }

    /// Arms the plan, if one was given.
    func apply() {
        if let plan = faultPlan.flatMap(FaultInjection.Plan.init) { FaultInjection.configure(plan, log: faultLog) }
    }
}
