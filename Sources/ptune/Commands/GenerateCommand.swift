import ArgumentParser
import Base
import Foundation
import LM

/// `ptune generate`: greedy continuation of a text, for a human check of a model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Continue a text greedily (a quick check that a model works).")

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "The most tokens to add.") var maxTokens = 24
    @OptionGroup var input: TextInput

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens).") }
    }

    func run() throws {
        let text = try input.read()
        let model = try options.load()
        var ids = model.encodeForModel(text)
        guard !ids.isEmpty else { throw ActionableError("the text encodes to no tokens", hint: "pass a non-empty text") }
        let prompt = ids.count
        print(text, terminator: "")
        var shown = ""
        for _ in 0..<maxTokens {
            let next = model.nextTokenLogits(ids).top(1)[0].id
            if next == model.tokenizer.eosID { break }
            ids.append(next)
            // Decode the whole continuation each time and hold back an unfinished character: one
            // character may span several byte tokens.
            var text = model.tokenizer.decode(Array(ids[prompt...]))
            while text.hasSuffix("\u{FFFD}") { text.removeLast() }
            if text.hasPrefix(shown) {
                print(text.dropFirst(shown.count), terminator: "")
                shown = text
            }
            fflush(nil)
        }
        print()
    }
}
