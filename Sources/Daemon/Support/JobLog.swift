import Foundation
import Store

/// A running job's log: what its worker printed on stderr (and any stdout line that is not a
/// message), and the progress lines the daemon writes from its messages. Each goes into worker.log
/// (`CappedLog`) and, a whole line at a time, into the database for `ptune logs`, where the lines
/// of one attempt stop at the same byte limit as the file, with one line saying so.
final class JobLog {
    private let file: CappedLog
    private let limit: Int
    /// The last bytes of output not yet ended by a newline.
    private var partial = Data()
    private var pending: [String] = []
    private var recordedBytes = 0
    private var cut = false

    init(path: String, limit: Int) {
        file = CappedLog(path: path, limit: limit)
        self.limit = limit
    }

    /// Worker output, as it arrived: complete lines go to the database, the rest waits.
    func append(_ data: Data) {
        guard !data.isEmpty else { return }
        file.append(data)
        partial.append(data)
        while let newline = partial.firstIndex(of: 0x0A) {
            record(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial = Data(partial[partial.index(after: newline)...])
        }
        // A line longer than the limit is recorded in pieces rather than held.
        if partial.count >= limit {
            record(String(decoding: partial, as: UTF8.self))
            partial = Data()
        }
    }

    /// A line the daemon writes (progress), ending any unfinished output line first.
    func note(_ line: String) {
        endPartialLine()
        file.append(Data((line + "\n").utf8))
        record(line)
    }

    /// Output not ended by a newline, as a line of its own (when the worker has ended).
    func endPartialLine() {
        guard !partial.isEmpty else { return }
        file.append(Data("\n".utf8))
        record(String(decoding: partial, as: UTF8.self))
        partial = Data()
    }

    /// The lines recorded since the last call, for the database.
    func takePending(jobID: String, attempt: Int, at date: Date) -> [LogLine] {
        defer { pending = [] }
        return pending.map { LogLine(jobID: jobID, attempt: attempt, at: date, text: $0) }
    }

    private func record(_ line: String) {
        guard !cut else { return }
        recordedBytes += line.utf8.count + 1
        if recordedBytes > limit {
            pending.append("[log cut at \(limit) bytes; worker.log in the job's folder has the same]")
            cut = true
            return
        }
        pending.append(line)
    }
}
