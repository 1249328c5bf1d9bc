/// An error a user can act on: what is wrong and, where there is one, what to do about it.
public struct ActionableError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public let hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    /// The message, then "  hint: ..." on a line of its own.
    public var description: String { hint.map { "\(message)\n  hint: \($0)" } ?? message }
}
