import Foundation

/// Splits a byte stream that arrives in pieces (a pipe, a growing file) into complete lines.
public struct LineBuffer: Sendable {
    private var pending = Data()

    public init() {}

    /// Appends `data` and returns the lines it completes, without their `\n`.
    public mutating func append(_ data: Data) -> [Data] {
        pending.append(data)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            lines.append(pending[pending.startIndex..<newline])
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }

    /// Takes the bytes not yet ended by a newline, leaving the buffer empty.
    public mutating func takeRest() -> Data {
        defer { pending = Data() }
        return pending
    }
}
