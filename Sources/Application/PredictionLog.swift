import Base
import Foundation
import PTuning

/// `predictions.jsonl` of a prediction job: one JSON line per record in input order, appended a batch
/// at a time and flushed to disk after each, so that a run stopped anywhere (even by SIGKILL) resumes
/// after its last complete line and no record is written twice or lost.
struct PredictionLog {
    static let fileName = "predictions.jsonl"

    let url: URL
    private let handle: FileHandle

    /// Opens the log in `directory` (creating it) and drops a partial last line left by a run that
    /// was killed mid-write. `done`: the complete lines already there, the records to skip; checked
    /// against `sources`, the records' sources in input order (the last line written must be record
    /// `done`'s), so a log that does not belong to these records is never continued.
    static func open(in directory: URL, sources: [String]) throws -> (log: PredictionLog, done: Int) {
        let url = directory.appendingPathComponent(fileName)
        if !FileManager.default.fileExists(atPath: url.path) {
            try AtomicFile.write(Data(), to: url.path)
        }
        let handle = try FileHandle(forUpdating: url)
        let contents = try handle.readToEnd() ?? Data()
        let newline = UInt8(ascii: "\n")
        let complete = (contents.lastIndex(of: newline).map { $0 + 1 } ?? contents.startIndex) - contents.startIndex
        if complete < contents.count {
            try handle.truncate(atOffset: UInt64(complete))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        let lines = contents.prefix(complete).split(separator: newline, omittingEmptySubsequences: false).dropLast()
        let done = lines.count
        if let last = lines.last {
            let source = try? JSONDecoder().decode(Prediction.self, from: Data(last)).source
            guard done <= sources.count, source == sources[done - 1] else {
                throw ActionableError("\(url.path) does not continue these records: its line \(done) answers "
                                      + "\(source ?? "no record"), where record \(done) is \(done <= sources.count ? sources[done - 1] : "past the end")",
                                      hint: "remove it to predict every record again")
            }
        }
        return (PredictionLog(url: url, handle: handle), done)
    }

    /// Appends one line per prediction and waits until they are on disk.
    func append(_ predictions: [Prediction]) throws {
        var lines = Data()
        for prediction in predictions {
            lines.append(try JSONLine.encode(prediction))
            lines.append(UInt8(ascii: "\n"))
        }
        try handle.write(contentsOf: lines)
        try handle.synchronize()
    }

    func close() throws { try handle.close() }

    /// Every prediction in the log at `url`, in order.
    static func read(_ url: URL) throws -> [Prediction] {
        let decoder = JSONDecoder()
        return try Data(contentsOf: url).split(separator: UInt8(ascii: "\n")).map {
            try decoder.decode(Prediction.self, from: Data($0))
        }
    }
}
