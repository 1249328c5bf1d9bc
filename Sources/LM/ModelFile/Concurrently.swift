import Foundation

/// Runs `background` on a dedicated thread while `body` runs on the calling thread, and returns both
/// results once both are done. A dedicated thread (not a dispatch queue) keeps the dispatch pool free
/// for `parallelFor` inside `body`.
func concurrently<Background: Sendable, Result>(_ background: @escaping @Sendable () -> Background,
                                                 _ body: () throws -> Result) throws -> (Result, Background) {
    let box = ResultBox<Background>()
    let done = DispatchSemaphore(value: 0)
    Thread {
        box.value = background()
        done.signal()
    }.start()
    let result: Result
    do {
        result = try body()
    } catch {
        done.wait()
        throw error
    }
    done.wait()
    guard let value = box.value else { preconditionFailure("the background thread signalled without a result") }
    return (result, value)
}

/// The background result, written once before the semaphore is signalled and read after the wait.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
