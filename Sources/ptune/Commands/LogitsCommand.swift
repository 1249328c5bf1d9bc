import ArgumentParser
import Base
import LM

/// `ptune logits`: the top-K next tokens after a text.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits", abstract: "Show the top-K logits at the last position of a text.")

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "How many of the highest logits to show.") var top = 10
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
    @OptionGroup var input: TextInput

    struct Entry: Encodable {
        let id: Int
        let piece: String
        let logit: Float
    }

    struct Output: Encodable {
        let ids: [Int]
        let top: [Entry]
        let logsumexp: Float
    }

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1, got \(top).") }
    }

    func run() throws {
        let text = try input.read()
        let model = try options.load()
        let ids = model.encodeForModel(text)
        guard !ids.isEmpty else { throw ActionableError("the text encodes to no tokens", hint: "pass a non-empty text") }
        let next = model.nextTokenLogits(ids)
        let best = next.top(top)
        let output = Output(ids: ids, top: best.map { Entry(id: $0.id, piece: model.tokenizer.piece($0.id), logit: $0.logit) },
                            logsumexp: next.logSumExp)
        if json {
            try printJSON(output)
            return
        }
        print("\(ids.count) tokens, logsumexp \(output.logsumexp)")
        print("   rank      id     logit  piece")
        for (rank, e) in output.top.enumerated() {
            print("\(String(rank + 1).leftPadded(to: 7))  \(String(e.id).leftPadded(to: 6))  "
                  + "\(String(format: "%8.4f", e.logit))  \(e.piece.debugDescription)")
        }
    }
}
