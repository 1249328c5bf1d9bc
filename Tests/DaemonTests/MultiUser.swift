import Foundation
import Glibc
import TestSupport

/// The users of a deployment, made for the multi-user tests: a service user whose primary group is
/// the spool's group, two submitters in that group, and an admin group with nobody in it. Made
/// when missing (useradd, groupadd) and removed by `remove()`. The names start with a prefix, one
/// per suite (suites run side by side), fixed so that a run interrupted before its clean-up is
/// cleaned up by the next.
struct MultiUser {
    let prefix: String
    var group: String { prefix }
    var adminGroup: String { prefix + "-adm" }
    var serviceName: String { prefix + "-svc" }
    var submitterNames: [String] { [prefix + "-a", prefix + "-b"] }

    /// Why the tests cannot run here, or nil when they can.
    static let unavailable: String? = {
        if geteuid() != 0 { return "creating users needs root" }
        for tool in ["/usr/sbin/useradd", "/usr/sbin/groupadd", "/usr/sbin/userdel", "/usr/bin/setpriv", "/usr/bin/zstd"]
        where access(tool, X_OK) != 0 {
            return "\(tool) is missing (scripts/install-deps.sh --test installs it)"
        }
        return nil
    }()

    struct Account {
        let name: String
        let uid: uid_t
        let gid: gid_t
    }

    let service: Account
    let submitters: [Account]
    let groupID: gid_t
    let adminGroupID: gid_t

    /// Creates what is missing, names starting with `prefix`, and looks everything up.
    static func prepare(prefix: String) throws -> MultiUser {
        let names = MultiUser(prefix: prefix, service: Account(name: "", uid: 0, gid: 0), submitters: [], groupID: 0, adminGroupID: 0)
        for group in [names.group, names.adminGroup] where getgrnam(group) == nil {
            try run("/usr/sbin/groupadd", [group])
        }
        if getpwnam(names.serviceName) == nil {
            try run("/usr/sbin/useradd", ["-M", "-N", "-g", names.group, "-s", "/usr/sbin/nologin", names.serviceName])
        }
        for name in names.submitterNames where getpwnam(name) == nil {
            try run("/usr/sbin/useradd", ["-M", "-U", "-G", names.group, "-s", "/bin/sh", name])
        }
        return MultiUser(prefix: prefix, service: try account(names.serviceName), submitters: try names.submitterNames.map(account),
                         groupID: getgrnam(names.group)!.pointee.gr_gid, adminGroupID: getgrnam(names.adminGroup)!.pointee.gr_gid)
    }

    /// Removes the users and groups.
    func remove() {
        for name in submitterNames + [serviceName] { try? Self.run("/usr/sbin/userdel", [name]) }
        for group in [adminGroup, group] { try? Self.run("/usr/sbin/groupdel", [group]) }
    }

    /// `setpriv` options that make a process `account`, with its groups (and `caps` ambient).
    static func setpriv(_ account: Account, caps: [String] = []) -> [String] {
        ["--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups"]
            + (caps.isEmpty ? [] : ["--inh-caps=" + caps.map { "+" + $0 }.joined(separator: ","),
                                    "--ambient-caps=" + caps.map { "+" + $0 }.joined(separator: ",")])
    }

    /// Runs the shell command `script` as `account` with umask `mask`, stopped after 120 s; returns
    /// its status and output.
    @discardableResult
    static func shell(as account: Account, umask mask: String = "022", _ script: String,
                      environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try capture("/usr/bin/setpriv", setpriv(account) + ["--", "/usr/bin/timeout", "120", "/bin/sh", "-c",
                                                            "umask \(mask); \(script)"],
                    environment: environment)
    }

    private static func account(_ name: String) throws -> Account {
        guard let entry = getpwnam(name) else { throw HarnessError("no user \(name)") }
        return Account(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let result = try capture(tool, arguments)
        guard result.status == 0 else { throw HarnessError("\(tool) \(arguments.joined(separator: " ")): \(result.output)") }
    }

    /// `tool`'s status and output, with `environment` added to this process's.
    private static func capture(_ tool: String, _ arguments: [String],
                                environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try TestEnvironment.capture(tool, arguments,
                                    environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }
}
