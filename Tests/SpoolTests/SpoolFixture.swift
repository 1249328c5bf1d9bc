import Foundation
import Glibc
@testable import Spool
import TestSupport

/// A fresh spool in a temporary folder, removed when the fixture is released.
final class SpoolFixture {
    let base: URL
    let layout: SpoolLayout

    init() throws {
        base = TestEnvironment.temporaryDirectory("spool-fs-test")
        layout = SpoolLayout(root: base.appendingPathComponent("spool"))
        try layout.create()
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    /// Writes `text` at `path` under the fixture's base folder, creating folders on the way.
    @discardableResult
    func write(_ path: String, _ text: String = "x") throws -> URL {
        let url = base.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A small folder bundle `NAME` under the base folder.
    func bundle(_ name: String) throws -> URL {
        try write("\(name)/task.toml", "name = \"\(name)\"\n")
        try write("\(name)/data/train.jsonl", "{\"a\": 1}\n")
        return base.appendingPathComponent(name)
    }

    /// Drops a bundle folder `NAME` into `incoming/` by rename, as `ptune submit` would.
    func drop(_ name: String) throws {
        let staged = try bundle(".staged-\(name)")
        try FileManager.default.moveItem(at: staged, to: layout.incoming.appendingPathComponent(name))
    }

    /// The permission bits of `url`, set-group-ID included.
    static func mode(_ url: URL) -> mode_t {
        var info = stat()
        return lstat(url.path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }
}

extension ClaimOutcome {
    /// The claimed copy, or nil for any other outcome.
    var claimedURL: URL? {
        if case .claimed(let entry) = self { entry.url } else { nil }
    }
}
