import Base
import Foundation
import Glibc

/// A claim's progress, in `active/claims/.claim-ID` (JSON), so that a daemon that dies at any step
/// of taking an entry in finishes the claim at its next start with the right owner, and no entry is
/// lost or taken twice. Written before each step that a crash could leave half-done:
///
/// 1. `entry` only: the entry is about to be renamed from `incoming/ENTRY` to `incoming/.claiming-ID`;
/// 2. with `owner`: the renamed entry belonged to that user, and is about to become the daemon's;
/// 3. with `claimed`: the daemon's copy is `active/claims/CLAIMED`; the original is about to be removed.
///
/// The record is removed once the claimed copy became a job or a rejection.
public struct ClaimRecord: Codable, Equatable, Sendable {
    /// The random part of the record's and the hidden entry's names.
    public var id: String
    /// The entry's name in `incoming/`, as it was dropped.
    public var entry: String
    /// The user who owned the entry as it arrived: the job's owner.
    public var owner: UInt32?
    /// The copy's name in `active/claims/`, once it is there.
    public var claimed: String?

    static let prefix = ".claim-"
    /// The prefix of an entry of `incoming/` being claimed.
    static let hiddenPrefix = ".claiming-"
    /// The prefix of a copy being made in `active/claims/`.
    static let copyPrefix = ".copying-"

    /// A record for a new claim of `entry`, with a fresh random ID.
    init(entry: String) {
        id = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        self.entry = entry
    }

    /// `incoming/.claiming-ID`: the entry while it is being taken.
    func hiddenPath(_ layout: SpoolLayout) -> String { layout.incoming.path + "/" + Self.hiddenPrefix + id }

    /// `active/claims/.copying-ID`: the copy while it is being made.
    func copyPath(_ layout: SpoolLayout) -> String { layout.claims.path + "/" + Self.copyPrefix + id }

    static func path(_ id: String, layout: SpoolLayout) -> String { layout.claims.path + "/" + prefix + id }

    /// Replaces the record on disk (tmp + fsync + rename).
    func save(_ layout: SpoolLayout) throws(FileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            try AtomicFile.write(try encoder.encode(self), to: Self.path(id, layout: layout), mode: 0o600)
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(path: layout.claims.path, message: "cannot record a claim in \(layout.claims.path): \(error)")
        }
    }

    /// Removes the record: the claim is over.
    func remove(_ layout: SpoolLayout) {
        unlink(Self.path(id, layout: layout))
    }

    /// Every record in `active/claims/`. A temporary a crash left mid-write is removed (the record
    /// it was to replace, if any, is whole), and so is anything else that does not read as a record.
    static func all(_ layout: SpoolLayout) throws(FileError) -> [ClaimRecord] {
        var records: [ClaimRecord] = []
        for name in try FileSystem.entries(of: layout.claims.path) where name.hasPrefix(prefix) {
            let path = layout.claims.path + "/" + name
            guard !name.hasSuffix(".tmp"), let data = FileManager.default.contents(atPath: path),
                  let record = try? JSONDecoder().decode(ClaimRecord.self, from: data),
                  prefix + record.id == name else {
                unlink(path)
                continue
            }
            records.append(record)
        }
        return records
    }
}
