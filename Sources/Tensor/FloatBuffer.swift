/// A fixed-size, 64-byte aligned, zero-initialised float32 buffer with reference semantics.
///
/// Numerical code reads and writes through `pointer` directly: no copy-on-write, no bounds checks
/// in hot loops. Shapes are the caller's business and are written in comments at each use.
public final class FloatBuffer: @unchecked Sendable {
    /// Number of floats.
    public let count: Int
    /// The first element; valid for `count` elements while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` zeroed floats.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// Element access (checked); for tests and cold paths.
    public subscript(index: Int) -> Float {
        get { precondition(index >= 0 && index < count); return pointer[index] }
        set { precondition(index >= 0 && index < count); pointer[index] = newValue }
    }

    /// The contents as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Sets every element to zero, large buffers (a prompt encoder's gradient) on all threads.
    public func zero() {
        let pointer = pointer
        parallelFor(count, minChunk: 1 << 18) { range in
            (pointer + range.lowerBound).update(repeating: 0, count: range.count)
        }
    }
}
