/// Everything the store reports. Each message says what went wrong, where, and what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A read-only open found no file.
    case databaseMissing(path: String)
    /// The file is not SQLite, or is SQLite holding something other than ptune's history.
    case notAPtuneDatabase(path: String, detail: String)
    /// The database lacks migrations this version needs, and the store was opened read-only.
    case databaseNotMigrated(path: String)
    /// The database holds migrations this version does not know.
    case databaseFromNewerVersion(path: String, unknownMigrations: [String])
    /// SQLite could not open or create the file.
    case cannotOpen(path: String, detail: String)
    /// SQLite failed; `detail` is its message.
    case sqlite(path: String, detail: String)
    /// The database stayed locked by another writer for the whole busy timeout.
    case busy(path: String, detail: String)
    /// A write was attempted on a store opened read-only.
    case readOnly(path: String)
    /// The bundle was submitted before, as `existingJobID`.
    case duplicateBundle(sha256: String, existingJobID: String, existingState: JobState)
    /// A job record was malformed.
    case invalidJob(id: String, detail: String)
    case jobNotFound(id: String)
    /// A job id prefix shorter than ``JobStore/minimumPrefixLength``.
    case jobIDTooShort(String)
    /// A job id prefix that matches several jobs.
    case ambiguousJobID(prefix: String, matches: [String])
    /// A state change the job's current state does not allow.
    case invalidTransition(jobID: String, from: JobState, to: JobState)
    case attemptNotFound(id: Int64)
    /// A finished attempt cannot finish again.
    case attemptAlreadyFinished(id: Int64, state: JobState)
    case artifactNotFound(jobID: String, name: String)
    /// An artifact larger than the store can read back.
    case artifactTooLarge(jobID: String, name: String, size: Int, limit: Int)
    /// The stored artifact decompressed, but not to the bytes that were stored.
    case artifactChecksumMismatch(jobID: String, name: String, expected: String, actual: String)
    /// The stored artifact does not decompress.
    case artifactUnreadable(jobID: String, name: String, detail: String)
    /// zstd refused to compress or decompress.
    case zstd(String)

    public var description: String {
        switch self {
        case .databaseMissing(let path):
            "no ptune database at \(path): the daemon (ptune serve) creates it on its first start; check the path"
        case .notAPtuneDatabase(let path, let detail):
            "\(path) is not a ptune database (\(detail)): point ptune at its own history file"
        case .databaseNotMigrated(let path):
            "database \(path) has an older or incomplete ptune schema: "
                + "start the daemon (ptune serve) once to migrate it"
        case .databaseFromNewerVersion(let path, let unknown):
            "database \(path) is from a newer version of ptune (migrations \(unknown.joined(separator: ", "))): "
                + "upgrade ptune to use it"
        case .cannotOpen(let path, let detail):
            "cannot open database \(path) (\(detail)): check that its folder exists and that ptune may write there"
        case .sqlite(let path, let detail):
            "database \(path): \(detail)"
        case .busy(let path, let detail):
            "database \(path) stayed locked by another writer (\(detail)): check that only one ptune daemon runs"
        case .readOnly(let path):
            "database \(path) is open read-only: only the daemon writes the history"
        case .duplicateBundle(let sha, let existing, let state):
            "this bundle (sha256 \(sha)) was submitted before as job \(existing), now \(state.rawValue): "
                + "it is not run twice; change the bundle to run it again"
        case .invalidJob(let id, let detail):
            "job \(id) cannot be stored: \(detail)"
        case .jobNotFound(let id):
            "no job \(id): list jobs with ptune history"
        case .jobIDTooShort(let prefix):
            "job id \"\(prefix)\" is too short: give at least \(JobStore.minimumPrefixLength) of its hex digits"
        case .ambiguousJobID(let prefix, let matches):
            "job id \"\(prefix)\" matches \(matches.count) jobs (\(matches.joined(separator: ", "))): give more digits"
        case .invalidTransition(let id, let from, let to):
            "job \(id) cannot go from \(from.rawValue) to \(to.rawValue)"
                + (from.isTerminal ? ": it already ended" : "")
        case .attemptNotFound(let id):
            "no attempt \(id) in the history"
        case .attemptAlreadyFinished(let id, let state):
            "attempt \(id) already finished as \(state.rawValue)"
        case .artifactNotFound(let jobID, let name):
            "job \(jobID) has no artifact \"\(name)\": list its artifacts with ptune show \(jobID)"
        case .artifactTooLarge(let jobID, let name, let size, let limit):
            "artifact \"\(name)\" of job \(jobID) has \(size) bytes, more than the store's limit of \(limit): "
                + "keep large files outside the history"
        case .artifactChecksumMismatch(let jobID, let name, let expected, let actual):
            "artifact \"\(name)\" of job \(jobID) is corrupted (sha256 \(actual), stored as \(expected)): "
                + "rerun the job or restore the database from a backup"
        case .artifactUnreadable(let jobID, let name, let detail):
            "artifact \"\(name)\" of job \(jobID) is corrupted (\(detail)): "
                + "rerun the job or restore the database from a backup"
        case .zstd(let detail):
            "zstd: \(detail)"
        }
    }
}
