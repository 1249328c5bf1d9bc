import Base

/// Gathers problems in the order found, keeping at most `cap` of one kind per file and replacing the
/// rest with one summary line.
struct ProblemCollector {
    let cap: Int
    private(set) var problems: [TaskProblem] = []
    private var counts: [Key: Int] = [:]
    private var summaryIndex: [Key: Int] = [:]

    private struct Key: Hashable {
        var file: String
        var kind: String
    }

    init(cap: Int = 20) { self.cap = cap }

    var isEmpty: Bool { problems.isEmpty }

    /// Records `problem`; `kind` groups problems that repeat (e.g. "missing-field:premise").
    mutating func add(_ problem: TaskProblem, kind: String? = nil) {
        guard let kind else { problems.append(problem); return }
        let key = Key(file: problem.file, kind: kind)
        let count = counts[key, default: 0] + 1
        counts[key] = count
        if count <= cap {
            problems.append(problem)
        } else if let index = summaryIndex[key] {
            problems[index].message = Self.summary(count - cap)
        } else {
            summaryIndex[key] = problems.count
            problems.append(TaskProblem(file: problem.file, field: problem.field, message: Self.summary(1)))
        }
    }

    mutating func add(file: String, line: Int? = nil, field: String? = nil, _ message: String,
                      hint: String? = nil, kind: String? = nil) {
        add(TaskProblem(file: file, line: line, field: field, message: message, hint: hint), kind: kind)
    }

    private static func summary(_ more: Int) -> String { "... and \(more) more like this" }
}
