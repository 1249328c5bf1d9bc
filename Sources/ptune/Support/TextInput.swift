import ArgumentParser
import Base
import Foundation

/// The text a model command works on: the argument, `-` for standard input, or `--text-file`.
/// A text that starts with `-` goes after `--` (`ptune tokenize -- "-1 is negative"`).
struct TextInput: ParsableArguments {
    @Option(name: .long, help: "Read the text from this UTF-8 file instead of the argument.") var textFile: String?
    @Argument(help: "The text; - reads it from standard input. Put -- before a text that starts with -.")
    var text: String?

    func validate() throws {
        switch (text, textFile) {
        case (nil, nil): throw ValidationError("Give the text as an argument, - for standard input, or --text-file PATH.")
        case (.some, .some): throw ValidationError("Give the text either as an argument or with --text-file, not both.")
        default: break
        }
    }

    /// The text, read whole; invalid UTF-8 is an error naming where it came from.
    func read() throws -> String {
        if let textFile {
            guard let data = FileManager.default.contents(atPath: textFile) else {
                throw ActionableError("cannot read \(textFile)", hint: "check --text-file names a readable file")
            }
            return try Self.decode(data, from: textFile)
        }
        guard let text, text == "-" else { return text ?? "" }
        return try Self.decode(FileHandle.standardInput.readDataToEndOfFile(), from: "standard input")
    }

    private static func decode(_ data: Data, from source: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ActionableError("\(source) is not valid UTF-8 text", hint: "convert it to UTF-8 (iconv -t UTF-8)")
        }
        return text
    }
}
