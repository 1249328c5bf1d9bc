import Foundation
import Synchronization
import Tensor
import Testing

/// `parallelFor` runs every index exactly once, back to back, nested, and from several threads at once.
@Suite(.serialized)
struct ParallelTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    /// Counts visits per index with atomics and checks each index was visited once.
    static func visitsEachIndexOnce(total: Int, minChunk: Int, chunksPerThread: Int = 1) -> Bool {
        let visits = (0..<total).map { _ in Counter() }
        parallelFor(total, minChunk: minChunk, chunksPerThread: chunksPerThread) { range in
            for i in range { visits[i].add() }
        }
        return visits.allSatisfy { $0.count == 1 }
    }

    @Test func everyIndexOnceOverManyBackToBackRegions() {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        for round in 0..<5_000 {
            let total = 1 + round % 97
            #expect(Self.visitsEachIndexOnce(total: total, minChunk: 1 + round % 3, chunksPerThread: 1 + round % 5),
                    "round \(round), total \(total)")
        }
    }

    /// With more chunks than threads, a thread that is done takes the next chunk left: while one thread
    /// holds chunk 0 (until the seven others have run, at most 10 s), the other runs all seven. With
    /// chunks dealt out in advance, 1 to 3 would wait behind chunk 0 and the wait would time out.
    @Test func aFreeThreadTakesTheChunksLeft() {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        let others = Counter(), ran = (0..<8).map { _ in Counter() }
        let waitedOut = Counter()
        parallelFor(8, chunksPerThread: 4) { range in
            for i in range {
                ran[i].add()
                if i == 0 {
                    let deadline = Date().addingTimeInterval(10)
                    while others.count < 7 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
                    if others.count < 7 { waitedOut.add() }
                } else {
                    others.add()
                }
            }
        }
        #expect(ran.allSatisfy { $0.count == 1 })
        #expect(waitedOut.count == 0, "chunk 0 waited 10 s for the others")
    }

    @Test func nestedRegionsRun() {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        let cells = (0..<64).map { _ in Counter() }
        parallelFor(8) { outer in
            for o in outer {
                parallelFor(8) { inner in
                    for i in inner { cells[o * 8 + i].add() }
                }
            }
        }
        #expect(cells.allSatisfy { $0.count == 1 })
    }

    @Test func callersOnSeveralThreadsAtOnce() {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for round in 0..<500 where !Self.visitsEachIndexOnce(total: 10 + (caller + round) % 50, minChunk: 1) {
                failures.add()
            }
        }
        #expect(failures.count == 0)
    }
}
