import CKernelSupport

/// Buffers each thread keeps for work inside parallel regions (`ptune_thread_buffer`): grown to the
/// largest size asked for and kept, so a product's hundreds of row blocks a step allocate nothing.
enum ThreadBuffer {
    /// Where a product's operand rows are made before they are rounded (`FrozenMatrix.OperandRows`).
    case operandRows
    /// Where kept rows are decoded for such a maker (`KeptRows.rows(slot:_:)`).
    case keptRows

    /// The calling thread's buffer for this use, room for at least `count` floats, valid until the
    /// thread asks for it again.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        let slot = switch self {
        case .operandRows: Int32(PTUNE_BUFFER_OPERAND_ROWS)
        case .keptRows: Int32(PTUNE_BUFFER_KEPT_ROWS)
        }
        return ptune_thread_buffer(slot, max(1, count) * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: max(1, count))
    }
}
