import Store

/// Which queued jobs start now: highest priority first, then arrival order, while the running jobs'
/// threads and memory stay within the daemon's budgets and fewer than `maxJobs` run. A job that does
/// not fit waits, and so do the jobs behind it (no overtaking), so a large job is never starved.
enum Admission {
    struct Usage {
        var jobs = 0
        var threads = 0
        var memoryMB = 0
    }

    static func select(queued: [JobRecord], running: Usage, config: DaemonConfig) -> [JobRecord] {
        var usage = running
        var chosen: [JobRecord] = []
        for job in queued {
            guard usage.jobs < config.maxJobs,
                  usage.threads + job.threads <= config.cores,
                  usage.memoryMB + job.memoryMB <= config.memoryMB else { break }
            usage.jobs += 1
            usage.threads += job.threads
            usage.memoryMB += job.memoryMB
            chosen.append(job)
        }
        return chosen
    }

    /// Why a job can never run under this daemon's budgets, or nil when it can.
    static func impossible(threads: Int, memoryMB: Int, config: DaemonConfig) -> String? {
        if threads > config.cores {
            return "the bundle asks for \(threads) threads but the daemon's budget is \(config.cores) cores; lower limits.threads"
        }
        if memoryMB > config.memoryMB {
            return "the bundle asks for \(memoryMB) MB but the daemon's budget is \(config.memoryMB) MB; lower limits.memory_mb"
        }
        return nil
    }
}
