import ArgumentParser
import LM

/// `ptune tokenize`: token ids and pieces of a text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Show the token ids and pieces of a text.")

    @OptionGroup var options: ModelOptions
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
    @Flag(name: .long, help: "Treat special-token text such as <|im_start|> as plain text.")
    var noSpecial = false
    @OptionGroup var input: TextInput

    struct Output: Encodable {
        let ids: [Int]
        let pieces: [String]
    }

    func run() throws {
        let text = try input.read()
        let tokenizer = try LanguageModel.loadTokenizer(path: options.model ?? ModelOptions.defaultModelPath)
        let ids = tokenizer.encode(text, parseSpecial: !noSpecial)
        let pieces = ids.map(tokenizer.piece)
        if json {
            try printJSON(Output(ids: ids, pieces: pieces))
            return
        }
        print("\(ids.count) tokens")
        for (id, piece) in zip(ids, pieces) {
            print("\(String(id).leftPadded(to: 7))  \(piece.debugDescription)")
        }
    }
}

extension String {
    /// The string right-aligned in a field of `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
