import Foundation

/// Monotonic wall-clock seconds since it was made: how ptune times its phases, products and calls.
public struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Seconds since the stopwatch was made.
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// `body`'s result, its wall-clock seconds added to `seconds` (the encoder's phases in `PromptStep`,
/// evaluation in `Trainer`, the products in `ProjectionMeter`).
@discardableResult
public func timed<T>(_ seconds: inout Double, _ body: () throws -> T) rethrows -> T {
    let stopwatch = Stopwatch()
    defer { seconds += stopwatch.seconds }
    return try body()
}
