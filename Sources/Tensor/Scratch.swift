/// A grow-only, 64-byte aligned scratch area reused across calls, so hot loops do not allocate (and
/// page-fault in fresh memory) on every step. One user at a time; contents are undefined on each call.
public final class Scratch: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer?
    private var byteCount = 0

    public init() {}

    deinit { base?.deallocate() }

    /// Room for at least `count` values of `T`, valid until the next call.
    public func buffer<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let needed = max(1, count) * MemoryLayout<T>.stride
        if needed > byteCount {
            base?.deallocate()
            base = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 64)
            byteCount = needed
        }
        return base!.bindMemory(to: T.self, capacity: max(1, count))
    }
}
