import Foundation
import Glibc
import TestSupport
import Testing

/// A running deployment: the users, the daemon as the service user, and each submitter's home.
final class MultiUserDeployment {
    let users: MultiUser
    let h: ServiceHarness
    let spool: String
    /// The ptune binary every user of the deployment runs.
    let ptune: String

    /// `prefix`: the start of the users' and groups' names, one per suite; `caps`: the daemon's
    /// ambient capabilities (the unit's: `chown`); `config`: the daemon's config file, if any.
    init(prefix: String, caps: [String] = ["chown"], config: String? = nil) throws {
        users = try MultiUser.prepare(prefix: prefix)
        h = try ServiceHarness()
        spool = h.spool.path
        // Everyone may pass through the test's folder and run its copy of ptune, whatever the umask
        // and wherever the build is (a checkout under /root is closed to other users).
        chmod(h.root.path, 0o755)
        ptune = h.root.path + "/ptune"
        try FileManager.default.copyItem(atPath: ServiceHarness.binary, toPath: ptune)
        chmod(ptune, 0o755)
        h.executable = ptune
        for path in [h.models.path] + (try FileManager.default.subpathsOfDirectory(atPath: h.models.path)).map({ h.models.path + "/" + $0 }) {
            var info = stat()
            lstat(path, &info)
            chmod(path, info.st_mode & S_IFMT == S_IFDIR ? 0o755 : 0o644)
        }
        try FileManager.default.createDirectory(at: h.spool, withIntermediateDirectories: true)
        chown(spool, users.service.uid, users.groupID)
        for user in users.submitters {
            let home = self.home(user)
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            chown(home, user.uid, user.gid)
            chmod(home, 0o700)
        }
        h.runAs = MultiUser.setpriv(users.service, caps: caps)
        if let config {
            let file = h.root.path + "/ptune.toml"
            try Data(config.utf8).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o644)
            try h.start(extra: ["--admin-group", users.adminGroup, "--config", file])
        } else {
            try h.start(extra: ["--admin-group", users.adminGroup])
        }
    }

    deinit {
        if let daemon = h.daemon, daemon.isRunning { _ = try? h.stop(SIGKILL) }
        users.remove()
    }

    func home(_ user: MultiUser.Account) -> String { h.root.path + "/home-" + user.name }

    /// Writes a valid bundle `name` in `user`'s home, owned by them (folders 0755, files 0644).
    func bundle(_ name: String, for user: MultiUser.Account, steps: Int = 6) throws {
        let dir = try h.write(TestBundles.valid(name: name, steps: steps), to: URL(fileURLWithPath: home(user) + "/" + name))
        try Self.chownTree(dir.path, to: user)
    }

    /// Runs `script` as `user`; expects it to succeed.
    func expectSuccess(_ user: MultiUser.Account, umask: String = "022", _ script: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try MultiUser.shell(as: user, umask: umask, script)
        #expect(result.status == 0, "\(user.name): \(script): \(result.output)", sourceLocation: sourceLocation)
    }

    /// Whether `script` run as `user` succeeds.
    func succeeds(_ user: MultiUser.Account, _ script: String) throws -> Bool {
        try MultiUser.shell(as: user, script).status == 0
    }

    static func chownTree(_ path: String, to user: MultiUser.Account) throws {
        lchown(path, user.uid, user.gid)
        for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
            lchown(path + "/" + name, user.uid, user.gid)
        }
    }
}
