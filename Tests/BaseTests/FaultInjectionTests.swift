import Base
import Testing

@Suite struct FaultInjectionTests {
    @Test func parsesPlans() {
        #expect(FaultInjection.Plan("crash@12") == FaultInjection.Plan("crash@12"))
        #expect(FaultInjection.Plan("enospc@3")?.action == .enospc)
        #expect(FaultInjection.Plan("eio@7")?.step == 7)
        #expect(FaultInjection.Plan("count")?.action == nil)
        for bad in ["crash", "crash@0", "boom@3", "eio@x", "eio@3@4"] {
            #expect(FaultInjection.Plan(bad) == nil, "\(bad)")
        }
    }

    @Test func anUnconfiguredProcessNeverFails() {
        #expect(FaultInjection.step("write x") == nil)
    }
}
