/// The jobs with a live worker, by job id: what admission counts against the budgets and what the
/// supervisor watches.
final class RunningJobs {
    private(set) var byID: [String: RunningJob] = [:]

    var count: Int { byID.count }
    var isEmpty: Bool { byID.isEmpty }
    var all: [RunningJob] { Array(byID.values) }

    subscript(id: String) -> RunningJob? {
        get { byID[id] }
        set { byID[id] = newValue }
    }

    func removeAll() { byID.removeAll() }

    /// The jobs, threads and memory the running jobs hold.
    var usage: Admission.Usage {
        var usage = Admission.Usage()
        for job in byID.values {
            usage.jobs += 1
            usage.threads += job.job.threads
            usage.memoryMB += job.job.memoryMB
        }
        return usage
    }
}
