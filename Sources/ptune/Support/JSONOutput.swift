import Base
import Foundation

/// Prints a value as one line of JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONLine.encode(value), as: UTF8.self))
}
