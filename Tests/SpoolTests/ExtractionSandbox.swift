import Base
import Foundation
import Glibc
import PTuning
@testable import Spool
import TestSupport

/// A fresh folder to unpack archives in, with a watch on everything around the target: an
/// extraction must write nothing but regular files and folders, and only inside its target.
///
/// The layout is `OUTER/INNER/ARCHIVE` with the target `OUTER/INNER/out`, so an entry that climbs
/// one or two levels out of the target lands where `strays` sees it.
final class ExtractionSandbox {
    /// The folder holding the archive and the target.
    let inner: URL
    private let outer: URL

    /// What one extraction did.
    struct Outcome {
        /// The problems reported; empty when the archive was unpacked.
        var problems: [TaskProblem]
        /// Whatever the extraction left where it must not: beside the target, above it, or (for a
        /// successful one) inside it but neither a regular file nor a folder.
        var strays: [String]
    }

    /// A sandbox under `parent`, removed when released.
    init(in parent: URL = TestEnvironment.processRoot) throws {
        outer = parent.appendingPathComponent("ptune-extract-\(UUID().uuidString)", isDirectory: true)
        inner = outer.appendingPathComponent("inner", isDirectory: true)
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
    }

    deinit { FileSystem.removeTree(outer.path) }

    /// The target folder extractions fill.
    var target: URL { inner.appendingPathComponent("out", isDirectory: true) }

    /// Writes `bytes` as the archive `name`, unpacks it into `target`, checks what was written, and
    /// clears the sandbox for the next extraction.
    func extract(_ bytes: [UInt8], name: String, limits: ArchiveLimits = ArchiveLimits()) throws -> Outcome {
        let archive = inner.appendingPathComponent(name)
        try Data(bytes).write(to: archive)
        defer {
            FileSystem.removeTree(target.path)
            unlink(archive.path)
        }
        var problems: [TaskProblem] = []
        do {
            try SpoolIntake.extractArchive(file: archive, into: target, limits: limits)
        } catch {
            problems = error.problems
        }
        var strays = try FileManager.default.contentsOfDirectory(atPath: outer.path).filter { $0 != "inner" }
        let expected: Set<String> = problems.isEmpty ? [name, "out"] : [name]
        strays += try FileManager.default.contentsOfDirectory(atPath: inner.path).filter { !expected.contains($0) }
            .map { "inner/\($0)" }
        if problems.isEmpty { strays += Self.irregularEntries(under: target.path, shownAs: "inner/out") }
        return Outcome(problems: problems, strays: strays)
    }

    /// Everything under `path` that is neither a regular file nor a folder, found without
    /// following links.
    private static func irregularEntries(under path: String, shownAs shown: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [shown] }
        var found: [String] = []
        for name in names {
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0 else { found.append("\(shown)/\(name)"); continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: found += irregularEntries(under: path + "/" + name, shownAs: "\(shown)/\(name)")
            case S_IFREG: break
            default: found.append("\(shown)/\(name)")
            }
        }
        return found
    }
}
