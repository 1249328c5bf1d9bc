import Base
import Foundation
import Glibc

/// A bundle the daemon claimed: its own copy in `active/claims/`, and who dropped it.
public struct ClaimedEntry: Sendable, Equatable {
    /// The copy, `active/claims/NAME`.
    public let url: URL
    /// The user who owned the entry dropped into `incoming/`: the job's owner.
    public let owner: uid_t
    /// The claim's record; nil for an entry in `active/claims/` that has none.
    let recordID: String?
}

/// What became of an entry of `incoming/` the daemon tried to claim.
public enum ClaimOutcome: Sendable, Equatable {
    /// The daemon holds its own copy; the entry is gone from `incoming/`.
    case claimed(ClaimedEntry)
    /// Someone else claimed or removed it first.
    case gone
    /// The daemon may not take it (it cannot change the owner of another user's entry); it is back
    /// in `incoming/` under its name, as it was.
    case leftInPlace(FileError)
    /// Its files cannot make a bundle (another user's file in it, a hard link, too big, a link or a
    /// device); it is in `rejected/` with this reason. `owner` dropped it.
    case rejected(URL, FileError, owner: uid_t)
}

extension SpoolIntake {
    /// Most bytes the files of one dropped bundle may hold, told from their sizes before any is copied.
    public static let maxBundleBytes = 1 << 30

    /// Claims `incoming/NAME`: renames it to a hidden name (so exactly one of several claimers wins),
    /// makes it the daemon's (`TreeOwnership.take`: its submitter can no longer change it), copies
    /// it into `active/claims/NAME` (`NAME-2`, ... when taken) and removes the original. The daemon
    /// works on that copy only: files a submitter still holds open cannot reach it. Each step is
    /// recorded first (`ClaimRecord`), and `resumeClaim` finishes a claim a crash interrupted.
    ///
    /// - Throws: `FileError` for a name that is not a plain entry name, a missing `active/claims/`,
    ///   or a failure of the machine (a full disk: the claim resumes later).
    public static func claim(_ name: String, layout: SpoolLayout) throws(FileError) -> ClaimOutcome {
        if let problem = BundleName.problem(with: name) {
            throw FileError(path: layout.incoming.path, message: "cannot claim: \(problem)")
        }
        guard FileSystem.isDirectory(try FileSystem.status(layout.claims.path)) else {
            throw FileError(path: layout.claims.path, message: "\(layout.claims.path) is missing",
                             hint: "SpoolLayout.create() makes it")
        }
        let record = ClaimRecord(entry: name)
        try record.save(layout)
        let renamed: FileSystem.RenameResult
        do {
            renamed = try FileSystem.renameNoReplace(layout.incoming.path + "/" + name, record.hiddenPath(layout))
        } catch {
            record.remove(layout)
            if error.isMachineFailure { throw error }
            return .leftInPlace(error)
        }
        switch renamed {
        case .renamed:
            try AtomicFile.syncDirectory(layout.incoming.path)
            return try resumeClaim(record, layout: layout)
        case .sourceMissing, .targetExists:
            record.remove(layout)
            return .gone
        }
    }

    /// The claims a crash or a failed pass left unfinished (the entry or the copy still hidden),
    /// in no particular order.
    public static func unfinishedClaims(_ layout: SpoolLayout) throws(FileError) -> [ClaimRecord] {
        var unfinished: [ClaimRecord] = []
        for record in try ClaimRecord.all(layout) {
            let hiddenThere = try FileSystem.status(record.hiddenPath(layout)) != nil
            let copyThere = try FileSystem.status(record.copyPath(layout)) != nil
            if record.claimed == nil || hiddenThere || copyThere { unfinished.append(record) }
        }
        return unfinished
    }

    /// Takes a claim from its last recorded step to its end. Repeating it changes nothing.
    public static func resumeClaim(_ record: ClaimRecord, layout: SpoolLayout) throws(FileError) -> ClaimOutcome {
        var record = record
        let hidden = record.hiddenPath(layout)
        let copy = record.copyPath(layout)
        if record.claimed == nil {
            guard let info = try FileSystem.status(hidden) else {
                record.remove(layout)
                return .gone
            }
            let owner = record.owner ?? info.st_uid
            if record.owner == nil {
                record.owner = owner
                try record.save(layout)
            }
            FileSystem.removeTree(copy)
            do {
                try TreeOwnership.take((hidden as NSString).lastPathComponent, in: layout.incoming.path, from: owner,
                                       maxBytes: maxBundleBytes)
                try copyTaken(hidden, to: copy)
            } catch {
                FileSystem.removeTree(copy)
                if error.isMachineFailure { throw error }
                return try refuse(record, error: error, layout: layout)
            }
            record.claimed = try FileSystem.freeName(for: claimName(record.entry), in: layout.claims.path)
            try record.save(layout)
        }
        let claimed = record.claimed ?? record.entry
        if try FileSystem.status(copy) != nil {
            switch try FileSystem.renameNoReplace(copy, layout.claims.path + "/" + claimed) {
            case .renamed, .sourceMissing: break
            case .targetExists:
                throw FileError(path: copy, message: "cannot claim \(record.entry): active/claims/\(claimed) exists already",
                                 hint: "is a second daemon serving this spool? stop it")
            }
            try AtomicFile.syncDirectory(layout.claims.path)
        }
        FileSystem.removeTree(hidden)
        try AtomicFile.syncDirectory(layout.incoming.path)
        return .claimed(ClaimedEntry(url: layout.claims.appendingPathComponent(claimed), owner: record.owner ?? geteuid(),
                                     recordID: record.id))
    }

    /// The claim is over (its copy became a job or a rejection): forgets its record.
    public static func release(_ claimed: ClaimedEntry, layout: SpoolLayout) {
        guard let id = claimed.recordID else { return }
        unlink(ClaimRecord.path(id, layout: layout))
    }

    /// The claimed copies in `active/claims/` not yet adopted nor rejected, each with its owner (from
    /// its record; an entry without one belongs to whoever owns it). In the order they were claimed.
    public static func pendingClaims(_ layout: SpoolLayout) throws(FileError) -> [ClaimedEntry] {
        let records = try ClaimRecord.all(layout)
        for record in records where copyIsGone(record, layout) { record.remove(layout) }
        var found: [(entry: ClaimedEntry, seconds: Int, nanoseconds: Int)] = []
        for name in try FileSystem.entries(of: layout.claims.path) where !name.hasPrefix(".") {
            guard let info = try FileSystem.status(layout.claims.path + "/" + name) else { continue }
            let record = records.first { $0.claimed == name }
            let entry = ClaimedEntry(url: layout.claims.appendingPathComponent(name),
                                     owner: record?.owner ?? info.st_uid, recordID: record?.id)
            found.append((entry, info.st_ctim.tv_sec, info.st_ctim.tv_nsec))
        }
        return found.sorted { ($0.seconds, $0.nanoseconds, $0.entry.url.path) < ($1.seconds, $1.nanoseconds, $1.entry.url.path) }
            .map(\.entry)
    }

    /// The owner of the claim whose copy a daemon adopted as a job (moved it out of `active/claims/`)
    /// and died before recording the job; nil when no record tells.
    public static func ownerOfAdoptedClaim(_ layout: SpoolLayout) -> uid_t? {
        let adopted = ((try? ClaimRecord.all(layout)) ?? []).filter { copyIsGone($0, layout) }
        return adopted.count == 1 ? adopted[0].owner : nil
    }

    /// Whether the claim's copy was made and has left `active/claims/` since (adopted or rejected).
    private static func copyIsGone(_ record: ClaimRecord, _ layout: SpoolLayout) -> Bool {
        guard let claimed = record.claimed else { return false }
        var info = stat()
        return lstat(layout.claims.path + "/" + claimed, &info) != 0 && errno == ENOENT
    }

    /// Copies the taken entry `source` (a folder or an archive) to `target`, which must not exist:
    /// folders 0700, files 0600, each fsynced.
    private static func copyTaken(_ source: String, to target: String) throws(FileError) {
        let copier = TreeCopy(sourceRoot: source, maxFileBytes: maxBundleBytes)
        if FileSystem.isDirectory(try FileSystem.status(source)) {
            try FileSystem.makeDirectory(target, mode: 0o700)
            try copier.copyFolder(source, to: target, mode: copier.folderMode)
        } else {
            try copier.copyFile(source, toNew: target)
        }
    }

    /// An entry that could not be taken: back to its name in `incoming/` when the daemon may not
    /// touch it, else to `rejected/` with the reason.
    private static func refuse(_ record: ClaimRecord, error: FileError, layout: SpoolLayout) throws(FileError) -> ClaimOutcome {
        let hidden = record.hiddenPath(layout)
        // The error as the submitter knows the entry: under the name they dropped it as.
        var shown = error
        shown.message = error.message.replacingOccurrences(of: ClaimRecord.hiddenPrefix + record.id, with: record.entry)
        shown.path = error.path.replacingOccurrences(of: ClaimRecord.hiddenPrefix + record.id, with: record.entry)
        let untouched = (try FileSystem.status(hidden)).map { $0.st_uid != geteuid() } ?? false
        if untouched, error.code == EPERM || error.code == EACCES {
            _ = try FileSystem.renameUnique(hidden, into: layout.incoming.path, as: record.entry)
            try AtomicFile.syncDirectory(layout.incoming.path)
            record.remove(layout)
            return .leftInPlace(shown)
        }
        let place = try reject(claimed: URL(fileURLWithPath: hidden), as: record.entry, problems: [TaskProblem(
            file: record.entry, message: shown.message, hint: shown.hint)], layout: layout)
        record.remove(layout)
        return .rejected(place, shown, owner: record.owner ?? geteuid())
    }
}
