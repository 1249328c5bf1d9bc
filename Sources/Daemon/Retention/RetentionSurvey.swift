import Base
import Foundation
import Glibc
import Spool
import Store

/// Finds what the database does not know about the spool's done/, failed/ and rejected/: folders
/// left by a version that did not record them, or by a crash between a move and its record; and
/// rows whose folder is gone (removed by hand, or by a sweep that crashed before marking it).
struct RetentionSurvey {
    let layout: SpoolLayout
    let store: JobStore

    /// The spool folders that hold results, by their names in `ResultFolder.folder`.
    static let places = ["done", "failed", "rejected"]

    /// The absolute path of `folder` ("done/JOB").
    func path(of folder: String) -> String { layout.root.path + "/" + folder }

    /// The folders on disk that have no row yet ("done/JOB"), for `measure`, and the recorded ones
    /// that are no longer on disk.
    func unrecorded() throws -> (untracked: [String], gone: [ResultFolder]) {
        // The rows first: a folder delivered meanwhile is then on disk with its row, never taken for gone.
        let recorded = try store.resultFolders()
        var onDisk = Set<String>()
        for place in Self.places {
            let names = (try? FileSystem.entries(of: path(of: place))) ?? []
            for name in names where !name.hasPrefix(".") { onDisk.insert(place + "/" + name) }
        }
        return (onDisk.subtracting(recorded.map(\.folder)).sorted(), recorded.filter { !onDisk.contains($0.folder) })
    }

    /// The row for the folder `folder` ("done/JOB"): its size on disk (0 when it cannot be read, such
    /// as a folder already given to its submitter), and its end: its job's, else the earlier of its
    /// modification and status change times (neither can be moved later than it really was by its
    /// owner, who could set the first alone).
    func measure(_ folder: String) throws -> ResultFolder {
        let full = path(of: folder)
        let name = String(folder.drop { $0 != "/" }.dropFirst())
        let place = String(folder.prefix { $0 != "/" })
        let info = try FileSystem.status(full)
        // A name that is no job id (put there by hand) is measured by its times alone.
        let job = place == "rejected" ? nil : (try? store.job(id: name)).flatMap { $0.id == name ? $0 : nil }
        let changed = info.map { min(Self.date($0.st_mtim), Self.date($0.st_ctim)) } ?? Date()
        return ResultFolder(folder: folder, jobID: job?.id, ownerUID: job?.ownerUID ?? info.map { Int($0.st_uid) },
                            endedAt: job?.finishedAt ?? changed,
                            bytes: (try? DirectoryTree.allocatedBytes(under: full)) ?? 0)
    }

    private static func date(_ time: timespec) -> Date {
        Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }
}
