import Foundation
import Glibc
import TestSupport
import Testing

/// The service as it is deployed: `ptune serve` as an unprivileged service user holding only
/// CAP_CHOWN (as the systemd unit runs it), two submitters in the spool's group dropping bundles
/// every way a user would, and an admin group. `make multiuser` runs these alone.
@Suite(.serialized, .enabled(if: MultiUser.unavailable == nil, Comment(rawValue: MultiUser.unavailable ?? "")))
struct MultiUserTests {
    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    @Test func submittersDropBundlesEveryWayAndReadOnlyTheirOwnResults() throws {
        let d = try MultiUserDeployment(prefix: "ptunemu")
        let (a, b) = (d.users.submitters[0], d.users.submitters[1])
        let ptune = d.ptune
        let drops: [(MultiUser.Account, String, String, String)] = [
            (a, "mu-submit", "022", "\(ptune) submit --spool \(d.spool) HOME/mu-submit"),
            (a, "mu-cp022", "022", "cp -r HOME/mu-cp022 \(d.spool)/incoming/mu-cp022"),
            (a, "mu-cp077", "077", "cp -r HOME/mu-cp077 \(d.spool)/incoming/mu-cp077"),
            (b, "mu-mv", "022", "mv HOME/mu-mv \(d.spool)/incoming/mu-mv"),
            (b, "mu-tar", "077", "tar -cf \(d.spool)/incoming/mu-tar.tar -C HOME mu-tar"),
            (b, "mu-zst", "022", "tar --zstd -cf HOME/mu-zst.tar.zst -C HOME mu-zst && mv HOME/mu-zst.tar.zst \(d.spool)/incoming/"),
        ]
        for (user, name, mask, script) in drops {
            try d.bundle(name, for: user)
            try d.expectSuccess(user, umask: mask, script.replacingOccurrences(of: "HOME", with: d.home(user)))
        }
        for (user, name, _, _) in drops {
            let row = try d.h.waitForJob(name, in: ["succeeded", "failed", "rejected"])
            #expect(row["state"] as? String == "succeeded", "\(name): \(row)")
            #expect(row["owner_uid"] as? Int == Int(user.uid), "\(name)")
            let id = try #require(row["id"] as? String)
            let folder = d.spool + "/done/" + id
            let info = try #require(Self.status(folder), "\(name): done/\(id)")
            #expect(info.st_uid == user.uid && info.st_gid == d.users.adminGroupID && info.st_mode & 0o7777 == 0o550, "\(name)")
            #expect(Self.status(folder + "/report.json").map { $0.st_uid == user.uid && $0.st_mode & 0o7777 == 0o440 } == true)
            let other = user.uid == a.uid ? b : a
            #expect(try d.succeeds(user, "cat \(folder)/report.json \(folder)/bundle/train.jsonl >/dev/null"), "\(name)")
            #expect(try !d.succeeds(other, "cat \(folder)/report.json"), "\(other.name) read \(name)'s report")
            #expect(try !d.succeeds(other, "cat \(folder)/bundle/train.jsonl"), "\(other.name) read \(name)'s data")
        }
        for user in [a, b] {
            #expect(try !d.succeeds(user, "ls \(d.spool)/done"), "\(user.name) listed done/")
            #expect(try !d.succeeds(user, "ls \(d.spool)/active"), "\(user.name) looked into active/")
        }
        #expect(d.h.contents("incoming").isEmpty && d.h.contents("rejected").isEmpty)
        #expect(try d.h.stop() == 0)
    }

    @Test func onlyTheOwnerCancelsAJob() throws {
        let d = try MultiUserDeployment(prefix: "ptunemu")
        let (a, b) = (d.users.submitters[0], d.users.submitters[1])
        let ptune = d.ptune
        try d.bundle("mu-long", for: a, steps: 100_000)
        try d.expectSuccess(a, "\(ptune) submit --spool \(d.spool) \(d.home(a))/mu-long")
        let row = try d.h.waitForJob("mu-long", in: ["running"])
        let id = try #require(row["id"] as? String)

        try d.expectSuccess(b, "\(ptune) cancel --spool \(d.spool) \(id)")
        try d.h.wait(seconds: 20, "the refused request removed") { d.h.contents("control/cancel").isEmpty }
        let shown = try d.h.cli(["show", "--spool", d.spool, id, "--json"])
        #expect(shown.out.contains("cancel_refused"), "\(shown.out)")
        #expect(try d.h.job(named: "mu-long")?["state"] as? String == "running")

        try d.expectSuccess(a, "\(ptune) cancel --spool \(d.spool) \(id)")
        try d.h.waitForJob("mu-long", in: ["cancelled"], seconds: 60)
        #expect(try d.succeeds(a, "cat \(d.spool)/failed/\(id)/report.json >/dev/null"))
        #expect(try !d.succeeds(b, "cat \(d.spool)/failed/\(id)/report.json"))
        #expect(try d.h.stop() == 0)
    }

    /// A daemon without CAP_CHOWN (started by hand as an ordinary user) cannot take another user's
    /// bundle: it leaves it in incoming/, untouched, and `ptune status` says why.
    @Test func withoutCAPCHOWNAnotherUsersEntryStaysAndStatusSaysWhy() throws {
        let d = try MultiUserDeployment(prefix: "ptunemu", caps: [])
        let b = d.users.submitters[1]
        try d.bundle("mu-stays", for: b)
        try d.expectSuccess(b, "mv \(d.home(b))/mu-stays \(d.spool)/incoming/mu-stays")
        var status = ""
        try d.h.wait(seconds: 20, "the entry listed as not taken") {
            status = try d.h.cli(["status", "--spool", d.spool]).out
            return status.contains("mu-stays")
        }
        #expect(status.contains("NOT TAKEN") && status.contains("CAP_CHOWN"), "\(status)")
        #expect(d.h.contents("incoming") == ["mu-stays"])
        #expect(Self.status(d.spool + "/incoming/mu-stays")?.st_uid == b.uid)
        #expect(try d.h.stop() == 0)
    }

    /// Retention, run by the service user, removes a result its submitter owns and has since
    /// opened up and added to (a closed folder, a hard link to a file of their own); the job stays
    /// in the history with the reason, and the submitter's own file is untouched.
    @Test func retentionRemovesAResultTheSubmitterOwnsAndChanged() throws {
        let d = try MultiUserDeployment(prefix: "ptunemu", config: "[retention]\ndone_days = 0.0001\nsweep_minutes = 0.05\n")
        let a = d.users.submitters[0]
        try d.bundle("mu-old", for: a)
        try d.expectSuccess(a, "\(d.ptune) submit --spool \(d.spool) \(d.home(a))/mu-old")
        let id = try #require(try d.h.waitForJob("mu-old", in: ["succeeded"])["id"] as? String)
        let folder = d.spool + "/done/" + id
        try d.expectSuccess(a, "chmod 0700 \(folder) && mkdir \(folder)/closed && echo x > \(folder)/closed/x && chmod 0 \(folder)/closed "
                            + "&& echo mine > \(d.home(a))/mine && ln \(d.home(a))/mine \(folder)/link")
        try d.h.wait(seconds: 60, "done/\(id) removed") { Self.status(folder) == nil }
        #expect(try d.succeeds(a, "grep -q mine \(d.home(a))/mine"))
        #expect(try d.h.job(named: "mu-old")?["state"] as? String == "succeeded")
        let shown = try d.h.cli(["show", "--spool", d.spool, id]).out
        #expect(shown.contains("done/\(id) removed: ended more than"), "\(shown)")
        #expect(try d.h.stop() == 0)
    }
}
