/// Finds special tokens (control and user-defined) spelled verbatim in text.
struct SpecialTokenMatcher: Sendable {
    struct Candidate: Sendable {
        let scalars: [Unicode.Scalar]
        let id: Int
        /// Control tokens are matched only when the caller parses special tokens;
        /// user-defined ones always are (as llama.cpp does).
        let isControl: Bool
    }

    /// Candidates by first scalar, longest first.
    private let candidates: [Unicode.Scalar: [Candidate]]
    /// Whether some candidate's first scalar has these low 10 bits: a quick test before hashing.
    private let firstScalarBits: [Bool]

    init(_ tokens: [Candidate]) {
        var byFirst = [Unicode.Scalar: [Candidate]]()
        for token in tokens where !token.scalars.isEmpty {
            byFirst[token.scalars[0], default: []].append(token)
        }
        candidates = byFirst.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
        var bits = [Bool](repeating: false, count: 1024)
        for scalar in byFirst.keys { bits[Int(scalar.value & 1023)] = true }
        firstScalarBits = bits
    }

    var isEmpty: Bool { candidates.isEmpty }

    /// The longest special token starting at `index`, if any.
    func match(in scalars: [Unicode.Scalar], at index: Int, includeControl: Bool) -> Candidate? {
        guard firstScalarBits[Int(scalars[index].value & 1023)], let list = candidates[scalars[index]]
        else { return nil }
        for candidate in list where includeControl || !candidate.isControl {
            let end = index + candidate.scalars.count
            if end <= scalars.count && scalars[index..<end].elementsEqual(candidate.scalars) {
                return candidate
            }
        }
        return nil
    }
}
