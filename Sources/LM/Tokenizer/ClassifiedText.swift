/// Text as Unicode scalars with each scalar's `ScalarClass`, and the pattern scanners over it.
///
/// Every `…PieceEnd(from:end:)` returns where the pattern's match starting at `from` ends, treating
/// `end` as the end of the text (lookaheads do not see past it). Each pattern matches at least one
/// scalar at every position, so the pieces tile the text.
struct ClassifiedText {
    let scalars: [Unicode.Scalar]
    let classes: [ScalarClass]

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
        self.classes = scalars.map(ScalarClass.init)
    }

    /// The first index at or after `start` (and before `end`) whose class is not `cls` when
    /// `matching`, or is `cls` when not `matching`; `end` if there is none.
    func runEnd(of cls: ScalarClass, from start: Int, end: Int, matching: Bool = true) -> Int {
        var index = start
        while index < end && (classes[index] == cls) == matching { index += 1 }
        return index
    }

    /// The length of `'s|'t|'re|'ve|'m|'ll|'d` at `index`, or 0 when none matches there.
    /// `caseInsensitive` also accepts upper case, and `ſ` for `s`, as Oniguruma's `(?i:…)` does.
    func contractionLength(at index: Int, end: Int, caseInsensitive: Bool) -> Int {
        guard scalars[index] == "'", index + 1 < end else { return 0 }
        let first = fold(scalars[index + 1], caseInsensitive)
        if first == "s" || first == "t" || first == "m" || first == "d" { return 2 }
        guard index + 2 < end else { return 0 }
        let second = fold(scalars[index + 2], caseInsensitive)
        switch (first, second) {
        case ("r", "e"), ("v", "e"), ("l", "l"): return 3
        default: return 0
        }
    }

    private func fold(_ scalar: Unicode.Scalar, _ caseInsensitive: Bool) -> Unicode.Scalar {
        guard caseInsensitive else { return scalar }
        if ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
        return scalar == "\u{17F}" ? "s" : scalar
    }

    private func isLineBreak(_ index: Int) -> Bool {
        scalars[index] == "\n" || scalars[index] == "\r"
    }

    /// The whitespace tail of both patterns: `\s+(?!\S)|\s+` for the whitespace run at `start`.
    /// The run is kept whole at the end of the text; before a non-space it leaves its last
    /// scalar to the next piece (which then starts with it), unless the run is a single scalar.
    private func whitespaceRunPieceEnd(from start: Int, end: Int) -> Int {
        let runEnd = runEnd(of: .whitespace, from: start, end: end)
        if runEnd == end || runEnd - start == 1 { return runEnd }
        return runEnd - 1
    }

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    func gpt2PieceEnd(from start: Int, end: Int) -> Int {
        let contraction = contractionLength(at: start, end: end, caseInsensitive: false)
        if contraction > 0 { return start + contraction }
        var body = start
        if scalars[start] == " " && start + 1 < end && classes[start + 1] != .whitespace {
            body = start + 1
        }
        let cls = classes[body]
        if cls == .whitespace { return whitespaceRunPieceEnd(from: start, end: end) }
        return runEnd(of: cls, from: body + 1, end: end)
    }

    /// Llama-3 (`maxDigits` 3) and Qwen2 (`maxDigits` 1):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}|`
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    func llama3PieceEnd(from start: Int, end: Int, maxDigits: Int) -> Int {
        let contraction = contractionLength(at: start, end: end, caseInsensitive: true)
        if contraction > 0 { return start + contraction }
        let cls = classes[start]
        if cls == .letter { return runEnd(of: .letter, from: start + 1, end: end) }
        if cls != .number && !isLineBreak(start) && start + 1 < end && classes[start + 1] == .letter {
            return runEnd(of: .letter, from: start + 2, end: end)
        }
        if cls == .number {
            return runEnd(of: .number, from: start + 1, end: min(end, start + maxDigits))
        }
        var body = start
        if scalars[start] == " " && start + 1 < end && classes[start + 1] == .other { body = start + 1 }
        if classes[body] == .other {
            var pieceEnd = runEnd(of: .other, from: body + 1, end: end)
            while pieceEnd < end && isLineBreak(pieceEnd) { pieceEnd += 1 }
            return pieceEnd
        }
        let runEnd = runEnd(of: .whitespace, from: start, end: end)
        if let lastBreak = (start..<runEnd).last(where: isLineBreak) { return lastBreak + 1 }
        return whitespaceRunPieceEnd(from: start, end: end)
    }
}
