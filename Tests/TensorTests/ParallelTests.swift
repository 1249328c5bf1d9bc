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

    /// With more chunks than threads, a thread that is done takes the next chunk left: one slow chunk
    /// leaves the others to the other thread.
    @Test func aFreeThreadTakesTheChunksLeft() {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        let slow = Counter(), ran = (0..<8).map { _ in Counter() }
        let threads = Mutex<[Int: Set<Int>]>([:])
        parallelFor(8, chunksPerThread: 4) { range in
            for i in range {
                ran[i].add()
                if i == 0 {
                    slow.add()
                    Thread.sleep(forTimeInterval: 0.5)
                }
                let id = Int(bitPattern: UnsafeRawPointer(Unmanaged.passUnretained(Thread.current).toOpaque()))
                threads.withLock { $0[id, default: []].insert(i) }
            }
        }
        #expect(ran.allSatisfy { $0.count == 1 } && slow.count == 1)
        let byThread = threads.withLock { $0 }
        let slowThread = byThread.values.first { $0.contains(0) } ?? []
        #expect(slowThread.count < 4, "the thread of the slow chunk also ran \(slowThread.sorted())")
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
