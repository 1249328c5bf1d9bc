@testable import Daemon
import Foundation
@testable import Spool
import Testing

/// The order `IntakeRounds` reads bundles that name each other in.
@Suite struct IntakeRoundsTests {
    static func entry(_ name: String, owner: uid_t = 1000, after references: [String] = []) -> IntakeRounds.Entry {
        IntakeRounds.Entry(claimed: ClaimedEntry(url: URL(fileURLWithPath: "/claims/\(name)-\(owner)"), owner: owner, recordID: nil),
                           spoolName: name, since: Date(), name: name, references: references)
    }

    @Test func aChainDroppedLastFirstIsReadFirstToLast() {
        let dropped = [Self.entry("d", after: ["c"]), Self.entry("c", after: ["b"]), Self.entry("b", after: ["a", "x"]),
                       Self.entry("a", after: ["older-job"])]
        #expect(IntakeRounds.inOrderOfNeed(dropped).map(\.spoolName) == ["a", "b", "c", "d"])
    }

    @Test func anotherUsersBundleOfTheSameNameIsNoReasonToWaitAndCyclesEnd() {
        let dropped = [Self.entry("report", owner: 1, after: ["model"]), Self.entry("model", owner: 2),
                       Self.entry("ping", after: ["pong"]), Self.entry("pong", after: ["ping"])]
        let order = IntakeRounds.inOrderOfNeed(dropped).map(\.spoolName)
        #expect(order.count == 4)
        #expect(order.firstIndex(of: "report")! < order.firstIndex(of: "ping")!, "report depends on nothing of its owner's")
    }
}
