import Dispatch
import Foundation
import Synchronization

/// The thread count ptune's kernels and products split work across (OpenBLAS itself stays at one
/// thread, see `gemm`). Defaults to the machine's active processor count; `ptune` sets it from `--threads`.
public enum Threads {
    nonisolated(unsafe) private static var configured = ProcessInfo.processInfo.activeProcessorCount

    /// The current count (at least 1).
    public static var count: Int { configured }

    /// Sets the count to `n` (at least 1).
    public static func set(_ n: Int) {
        configured = max(1, n)
    }
}

/// Runs `body(range)` over `0..<total` split into at most `Threads.count × chunksPerThread` contiguous
/// chunks, in parallel, and returns when all are done; each thread takes the next chunk left when it
/// is done with one, so more chunks per thread even out threads that start late or run slower. Chunks
/// smaller than `minChunk` items are not split further, so tiny loops stay on the calling thread.
public func parallelFor(_ total: Int, minChunk: Int = 1, chunksPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    guard total > 0 else { return }
    let threads = Threads.count
    let chunks = min(threads * max(1, chunksPerThread), max(1, total / max(1, minChunk)))
    if chunks == 1 || threads == 1 { body(0..<total); return }
    let per = (total + chunks - 1) / chunks
    // Both pools return only after every chunk ran, so the non-escaping body outlives them.
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        let chunk = { @Sendable (index: Int) in
            let start = index * per
            let end = min(total, start + per)
            if start < end { shared.value(start..<end) }
        }
        let workers = min(chunks, threads)
        if WorkerPool.shared.run(chunks: chunks, helpers: workers - 1, chunk) { return }
        // The pool is running another region (a nested call, or another thread's): Dispatch's pool, on
        // `workers` threads at most, each taking the next chunk left.
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < chunks else { return }
                chunk(index)
            }
        }
    }
}

/// Carries a value into a `@Sendable` closure whose lifetime the caller bounds itself.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
