/// One problem found in a task bundle: where it is, what is wrong, what to do.
public struct TaskProblem: Error, Sendable, Equatable, CustomStringConvertible, Codable {
    /// The file, relative to the bundle ("task.toml", "train.jsonl").
    public var file: String
    /// 1-based line, when the problem is on one line.
    public var line: Int?
    /// The manifest key ("training.learning_rate") or record field ("premise").
    public var field: String?
    public var message: String
    public var hint: String?

    public init(file: String, line: Int? = nil, field: String? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        self.hint = hint
    }

    /// "train.jsonl:17: field premise: missing ... (hint: ...)"
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let field { s += "\(field): " }
        s += message
        if let hint { s += " (\(hint))" }
        return s
    }
}

/// Every problem found in a bundle, reported together.
public struct TaskProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [TaskProblem]

    public init(_ problems: [TaskProblem]) { self.problems = problems }

    public var description: String {
        let header = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return ([header + ":"] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
