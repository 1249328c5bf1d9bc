import Dispatch

/// `body`'s result, its wall-clock seconds added to `seconds`: how training counts the time of its
/// phases (the encoder's in `PromptStep`, evaluation in `Trainer`).
@discardableResult
func timed<T>(_ seconds: inout Double, _ body: () throws -> T) rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    return try body()
}
