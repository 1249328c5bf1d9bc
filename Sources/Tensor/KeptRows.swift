/// Rows a forward pass keeps for its backward pass, [slots, rows, width]: in fp32, or rounded to bf16
/// (half the memory) beside a one-slot fp32 working copy. The forward pass writes a slot's rows into
/// `working(slot:)` and then calls `keep`; the backward pass reads them from `kept(slot:count:)`,
/// widened into the working copy when they are stored in bf16 (so the working copy of the slot read
/// last is the only fp32 one).
public final class KeptRows {
    public let slots: Int
    public let rows: Int
    public let width: Int
    /// Whether the kept rows are bf16.
    public let inBF16: Bool
    /// fp32: [slots, rows, width]; bf16: [rows, width], the working copy.
    private let values: FloatBuffer
    /// bf16: [slots, rows, width]; fp32: empty.
    private let rounded: UnsafeMutablePointer<UInt16>

    public init(slots: Int, rows: Int, width: Int, inBF16: Bool) {
        (self.slots, self.rows, self.width, self.inBF16) = (slots, rows, width, inBF16)
        values = FloatBuffer(count: (inBF16 ? 1 : slots) * rows * width)
        let count = inBF16 ? slots * rows * width : 0
        rounded = .allocate(capacity: max(1, count))
        rounded.initialize(repeating: 0, count: max(1, count))
    }

    deinit { rounded.deallocate() }

    /// Bytes the rows take (the working copy included).
    public var byteCount: Int { 4 * values.count + (inBF16 ? 2 * slots * rows * width : 0) }

    /// [rows, width] where the forward pass writes slot `s`'s rows before `keep`.
    public func working(slot s: Int) -> UnsafeMutablePointer<Float> {
        precondition(s >= 0 && s < slots, "slot \(s) outside 0..<\(slots)")
        return values.pointer + (inBF16 ? 0 : s * rows * width)
    }

    /// Keeps the first `count` rows just written to `working(slot: s)`: in bf16, rounds them to nearest
    /// even (subnormals to zero) into the slot; in fp32 they already are the slot.
    public func keep(slot s: Int, count: Int) {
        precondition(count <= rows, "\(count) rows kept in a slot of \(rows)")
        guard inBF16 else { return }
        BF16Rows.round(working(slot: s), rows: count, columns: width, ldi: width, into: rounded + s * rows * width,
                       ldo: width)
    }

    /// Slot `s`'s first `count` rows as kept, [count, width] in fp32.
    public func kept(slot s: Int, count: Int) -> UnsafePointer<Float> {
        let out = working(slot: s)
        guard inBF16 else { return UnsafePointer(out) }
        precondition(count <= rows, "\(count) rows read from a slot of \(rows)")
        BF16Rows.widen(rounded + s * rows * width, rows: count, columns: width, into: out)
        return UnsafePointer(out)
    }
}
