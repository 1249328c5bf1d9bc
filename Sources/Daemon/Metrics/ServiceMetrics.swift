import Base
import Foundation
import Store

/// The daemon's figures in the Prometheus text format: the queue by state and owner and the jobs
/// ended (from the history, so they agree with `ptune status --json`), the budgets and each running
/// job's progress (from the status the scheduler last published), the counts since the start, and
/// the process's own memory. docs/OPERATIONS.md lists every family.
struct ServiceMetrics {
    var figures: QueueFigures
    var status: DaemonStatus?
    var taken: Int
    var rejected: [RejectionCause: Int]
    var residentBytes: Double?
    var startTime: Date
    /// A uid as the `owner` label shows it.
    var ownerName: (Int?) -> String = JobOwner.name

    func render() -> String {
        var out = PrometheusText()
        jobs(&out)
        budgets(&out)
        runningJobs(&out)
        process(&out)
        return out.text
    }

    private func jobs(_ out: inout PrometheusText) {
        out.family("ptune_jobs", .gauge, help: "Jobs not ended yet (queued, running, interrupted), by state and owner.")
        for count in figures.counts.filter({ !$0.state.isTerminal }).sorted(by: { ($0.state.rawValue, ownerName($0.ownerUID)) < ($1.state.rawValue, ownerName($1.ownerUID)) }) {
            out.sample("ptune_jobs", [("state", count.state.rawValue), ("owner", ownerName(count.ownerUID))], Double(count.jobs))
        }
        out.family("ptune_jobs_ended_total", .counter, help: "Jobs that reached an end state, by state (rejected bundles included).")
        for state in JobState.allCases where state.isTerminal {
            let n = figures.counts.filter { $0.state == state }.reduce(0) { $0 + $1.jobs }
            out.sample("ptune_jobs_ended_total", [("state", state.rawValue)], Double(n))
        }
        out.single("ptune_job_attempts_total", .counter, help: "Attempts started, over every job.", Double(figures.attempts))
        out.single("ptune_bundles_taken_total", .counter, help: "Entries of incoming/ taken in since the daemon started.",
                   Double(taken))
        out.family("ptune_bundles_rejected_total", .counter, help: "Entries rejected since the daemon started, by reason.")
        for cause in RejectionCause.allCases {
            out.sample("ptune_bundles_rejected_total", [("reason", cause.rawValue)], Double(rejected[cause] ?? 0))
        }
        histogram(&out, "ptune_job_queue_wait_seconds", help: "From submission to the first attempt's start.", figures.queueWait)
        histogram(&out, "ptune_job_run_seconds", help: "From the first attempt's start to the job's end.", figures.runTime)
    }

    private func histogram(_ out: inout PrometheusText, _ name: String, help: String, _ h: QueueFigures.Histogram) {
        out.histogram(name, help: help, bounds: h.bounds, cumulative: h.cumulative, count: h.count, sum: h.sum)
    }

    private func budgets(_ out: inout PrometheusText) {
        guard let status else { return }
        let mb = 1_048_576.0
        out.single("ptune_cores_budget", .gauge, help: "Cores the running jobs' threads may add up to.", Double(status.cores))
        out.single("ptune_cores_requested", .gauge, help: "Threads the running jobs were given.", Double(status.requestedThreads))
        out.single("ptune_cores_free", .gauge, help: "Cores of the budget not given to a running job.",
                   Double(max(0, status.cores - status.requestedThreads)))
        out.single("ptune_memory_budget_bytes", .gauge, help: "Memory the running jobs may add up to.", Double(status.memoryMB) * mb)
        out.single("ptune_memory_requested_bytes", .gauge, help: "Memory the running jobs were given.",
                   Double(status.requestedMemoryMB) * mb)
        out.single("ptune_memory_free_bytes", .gauge, help: "Memory of the budget not given to a running job.",
                   Double(max(0, status.memoryMB - status.requestedMemoryMB)) * mb)
        out.single("ptune_jobs_max", .gauge, help: "Jobs that may run at once.", Double(status.maxJobs))
        out.single("ptune_workers", .gauge, help: "Live workers.", Double(status.workers.count))
        out.single("ptune_incoming_untaken", .gauge, help: "Entries of incoming/ the daemon could not take and left there.",
                   Double(status.untaken?.count ?? 0))
        out.single("ptune_daemon_stopping", .gauge, help: "1 while the daemon drains its workers to stop.", status.stopping ? 1 : 0)
        out.single("ptune_status_timestamp_seconds", .gauge, help: "When the scheduler last published these figures.",
                   status.updatedAt.timeIntervalSince1970)
    }

    private func runningJobs(_ out: inout PrometheusText) {
        let workers = (status?.workers ?? []).sorted { $0.jobID < $1.jobID }
        let series: [(String, String, (DaemonStatus.Worker) -> Double?)] = [
            ("ptune_job_step", "The running job's steps done, over all its seeds.", { $0.step.map(Double.init) }),
            ("ptune_job_planned_steps", "The running job's steps in all, over all its seeds.", { $0.total.map(Double.init) }),
            ("ptune_job_loss", "The running job's last training loss.", { $0.loss }),
            ("ptune_job_tokens_per_second", "The running job's last training tokens per second.", { $0.tokensPerSecond }),
            ("ptune_job_resident_memory_bytes", "The running job's worker's resident memory (local workers).",
             { $0.residentMB.map { $0 * 1_048_576 } }),
            ("ptune_job_attempt", "The running job's attempt number.", { Double($0.attempt) }),
        ]
        for (name, help, value) in series {
            out.family(name, .gauge, help: help)
            for worker in workers {
                guard let v = value(worker), v.isFinite else { continue }
                out.sample(name, [("job", worker.jobID), ("name", worker.name)], v)
            }
        }
    }

    private func process(_ out: inout PrometheusText) {
        if let residentBytes {
            out.single("process_resident_memory_bytes", .gauge, help: "The daemon's resident memory.", residentBytes)
        }
        out.single("process_start_time_seconds", .gauge, help: "When the daemon started, in seconds since the epoch.",
                   startTime.timeIntervalSince1970)
    }
}
