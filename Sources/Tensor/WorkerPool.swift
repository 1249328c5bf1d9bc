import Foundation
import Synchronization

/// Worker threads for `parallelFor` that stay awake for a short while between parallel regions.
///
/// A training step runs about a thousand short parallel regions (norms, activations, products of a
/// few hundred microseconds). With `DispatchQueue.concurrentPerform` each region wakes a parked
/// worker, and the wake-up often arrives after the caller has done most of the work alone. Here the
/// workers spin on a generation counter for `spinNanoseconds` after each region before parking, so
/// back-to-back regions start on every core at once.
///
/// One region at a time: `run` returns false when the pool is already running one (a nested call,
/// or another thread's), and the caller runs its region some other way.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker keeps polling before it parks.
    private let spinNanoseconds: UInt64 = 200_000

    private let busy = Atomic<Bool>(false)
    /// Bumped for each region; workers wait for it to move.
    private let generation = Atomic<Int>(0)
    /// The region's generation (high 32 bits) and the next unclaimed chunk (low 32 bits): a claim
    /// succeeds only for the region it was made in.
    private let ticket = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let parking = NSCondition()
    /// Written by the caller before it bumps `generation`; read by a worker only while it holds a claim
    /// on one of the region's chunks, so the region (and these values) cannot change meanwhile.
    private var body: (@Sendable (Int) -> Void)?
    private var chunkCount = 0
    private var workerCount = 0

    private init() {}

    /// Runs `body(chunk)` for every chunk in 0..<chunks on the caller and up to `helpers` workers; returns
    /// after all have run. False, with nothing run, when the pool is busy.
    func run(chunks: Int, helpers: Int, _ body: @escaping @Sendable (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while workerCount < helpers {
            workerCount += 1
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "ptune-worker-\(workerCount)"
            thread.start()
        }
        self.body = body
        chunkCount = chunks
        unfinished.store(chunks, ordering: .relaxed)
        let next = generation.load(ordering: .relaxed) + 1
        ticket.store(next << 32, ordering: .relaxed)
        parking.lock()
        generation.store(next, ordering: .releasing)
        parking.broadcast()
        parking.unlock()
        runChunks(of: next)
        while unfinished.load(ordering: .acquiring) > 0 {}
        // No claim on this region may succeed from now on, before the next region's values are written.
        ticket.store(next << 32 | 0xffff_ffff, ordering: .relaxed)
        self.body = nil
        return true
    }

    /// Claims and runs chunks of region `region` until none is left.
    private func runChunks(of region: Int) {
        while true {
            var current = ticket.load(ordering: .relaxed)
            var chunk = 0
            repeat {
                chunk = current & 0xffff_ffff
                guard current >> 32 == region, chunk < chunkCount else { return }
                let (exchanged, original) = ticket.compareExchange(expected: current, desired: current + 1,
                                                                   ordering: .acquiring)
                if exchanged { break }
                current = original
            } while true
            invoke(chunk)
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    /// Calls the region's body. Not inlined, so this thread's reference to the body is released before
    /// the chunk counts as finished: the caller's `withoutActuallyEscaping` checks that none is left.
    @inline(never)
    private func invoke(_ chunk: Int) {
        body?(chunk)
    }

    private func work() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            let idleSince = DispatchTime.now().uptimeNanoseconds
            var polls = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                polls += 1
                if polls % 256 == 0, DispatchTime.now().uptimeNanoseconds - idleSince > spinNanoseconds {
                    parking.lock()
                    while generation.load(ordering: .acquiring) == seen { parking.wait() }
                    parking.unlock()
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            runChunks(of: current)
        }
    }
}
