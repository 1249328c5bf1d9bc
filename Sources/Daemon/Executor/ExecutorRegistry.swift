/// The executor kinds a daemon can be configured with, by name.
public struct ExecutorRegistry: Sendable {
    public let kinds: [any ExecutorKind]

    public init(kinds: [any ExecutorKind]) { self.kinds = kinds }

    /// The executors ptune ships; a new one is one more entry here.
    public static let standard = ExecutorRegistry(kinds: [LocalExecutorKind(), SlurmExecutorKind()])

    public var names: [String] { kinds.map(\.name) }

    public func named(_ name: String) -> (any ExecutorKind)? { kinds.first { $0.name == name } }

    /// A worker as the command line prints it: the first kind that recognises it names it; "-" when none does.
    public func describeWorker(pid: Int32?, clusterJobID: String?, node: String?, live: Bool) -> String {
        for kind in kinds {
            if let text = kind.describeWorker(pid: pid, clusterJobID: clusterJobID, node: node, live: live) { return text }
        }
        return "-"
    }
}
