import Foundation
import Glibc
import TestSupport
import Testing

/// A hostile member of the spool's group (submitter `b`) against the deployment of
/// `MultiUserDeployment`, with submitter `a` as the neighbour. After every attack the service must
/// be unharmed: the canary tree outside the spool (the service user's own files, the targets a
/// confused daemon could change) is byte for byte and mode for mode as it was, the database reads,
/// the neighbour's next bundle is taken and succeeds, and the attacker can neither read the
/// neighbour's results nor cancel the neighbour's job. Each attack also checks its own outcome.
/// `PTUNE_ATTACKS=TEXT` runs only the attacks whose name contains TEXT.
@Suite(.serialized, .enabled(if: MultiUser.unavailable == nil, Comment(rawValue: MultiUser.unavailable ?? "")))
struct AdversarialTests {
    /// One attack: a name for the report and what the attacker does, with its own expectations.
    struct Attack {
        let name: String
        let run: (Arena) throws -> Void

        /// The attacker drops bundle `bundle` with `script`; it must be trained.
        static func accepted(_ name: String, _ bundle: String, _ script: String, paused: Bool = false) -> Attack {
            Attack(name: name) { a in
                let state = try a.drop(bundle, script, paused: paused)
                #expect(state == "succeeded", "\(name)")
            }
        }

        /// The attacker drops bundle `bundle` with `script`; it must be rejected, for a reason saying `text`.
        static func refused(_ name: String, _ bundle: String, _ script: String, saying text: String) -> Attack {
            Attack(name: name) { a in
                let reason = try a.dropRejected(bundle, script)
                #expect(reason.contains(text), "\(name): \(reason)")
            }
        }
    }

    /// The deployment under attack, with its canary tree.
    final class Arena {
        let d: MultiUserDeployment
        let canary: String
        var victimRuns = 0
        /// The neighbour's last finished job.
        var victimJob = ""

        init() throws {
            d = try MultiUserDeployment(prefix: "ptuneadv")
            canary = d.h.root.path + "/canary"
            for (path, text) in [("file", "canary"), ("dir/inner", "inner")] {
                let url = URL(fileURLWithPath: canary + "/" + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            try MultiUserDeployment.chownTree(canary, to: d.users.service)
        }

        var a: MultiUser.Account { d.users.submitters[0] }
        var b: MultiUser.Account { d.users.submitters[1] }
        var spool: String { d.spool }
        var home: String { d.home(b) }

        /// Every file under the canary tree with its owner, mode and bytes.
        func canaryState() throws -> [String] {
            try ([""] + FileManager.default.subpathsOfDirectory(atPath: canary)).sorted().map { path in
                let full = canary + (path.isEmpty ? "" : "/" + path)
                var info = stat()
                lstat(full, &info)
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: full))) ?? Data()
                return "\(path) \(info.st_uid):\(info.st_gid) \(String(info.st_mode, radix: 8)) \(bytes.base64EncodedString())"
            }
        }

        /// A valid bundle `name` in the attacker's home, theirs; returns its path.
        @discardableResult
        func bundle(_ name: String, extra: String = "", files: [String: String] = [:]) throws -> String {
            var contents = TestBundles.valid(name: name, steps: 2, extra: extra)
            contents.merge(files) { $1 }
            let dir = try d.h.write(contents, to: URL(fileURLWithPath: home + "/" + name))
            try MultiUserDeployment.chownTree(dir.path, to: b)
            return dir.path
        }

        /// Runs `script` as the attacker, with S the spool, H their home, C the canary, V the
        /// neighbour's home; returns whether it succeeded.
        @discardableResult
        func attacker(_ script: String) throws -> Bool {
            try MultiUser.shell(as: b, "S=\(spool); H=\(home); C=\(canary); V=\(d.home(a)); \(script)").status == 0
        }

        /// Runs `body` with the daemon stopped (SIGSTOP), so that what it does lands before a claim.
        func paused(_ body: () throws -> Void) throws {
            let pid = try #require(d.h.daemon?.processIdentifier)
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try body()
        }

        /// Writes a valid bundle `name`, runs the attacker's `script` (which drops it), with the
        /// daemon stopped when `paused`, and returns how the job ended.
        func drop(_ name: String, _ script: String, paused: Bool = false) throws -> String {
            try bundle(name)
            if paused {
                try self.paused {
                    let dropped = try attacker(script)
                    #expect(dropped, "\(script)")
                }
            } else {
                try attacker(script)
            }
            return try ending(name)
        }

        /// Expects every one of `scripts`, run by the attacker, to fail.
        func expectDenied(_ scripts: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
            for script in scripts {
                let allowed = try attacker(script)
                #expect(!allowed, "the attacker could: \(script)", sourceLocation: sourceLocation)
            }
        }

        /// A valid bundle `name` in the neighbour's home, theirs; returns its path.
        func neighbourBundle(_ name: String, steps: Int = 2) throws -> String {
            let dir = try d.h.write(TestBundles.valid(name: name, steps: steps), to: URL(fileURLWithPath: d.home(a) + "/" + name))
            try MultiUserDeployment.chownTree(dir.path, to: a)
            return dir.path
        }

        /// Waits for the job named `name` to end; returns its state.
        /// The states a job ends in.
        let endings: Set<String> = ["succeeded", "failed", "rejected", "cancelled", "timed_out", "memory_exceeded"]

        func ending(_ name: String) throws -> String {
            try d.h.waitForJob(name, in: endings)["state"] as? String ?? "?"
        }

        /// Writes a valid bundle `name`, runs the attacker's `script` on it (which drops it), and
        /// returns the reason it was rejected for.
        func dropRejected(_ name: String, _ script: String) throws -> String {
            try bundle(name)
            try attacker(script)
            return try rejection(name)
        }

        /// Waits until `rejected/NAME` holds its reason; returns reason.txt.
        func rejection(_ name: String) throws -> String {
            let reason = spool + "/rejected/" + name + "/reason.txt"
            try d.h.wait(seconds: 30, "rejected/\(name)") { FileManager.default.fileExists(atPath: reason) }
            let text = (try? String(contentsOfFile: reason, encoding: .utf8)) ?? ""
            print("rejected \(name): " + (text.split(separator: "\n").first { $0.hasPrefix("  - ") } ?? ""))
            return text
        }

        /// The neighbour submits a fresh bundle; it must succeed, and stay out of the attacker's reach.
        func victimSucceeds(after attack: String) throws {
            victimRuns += 1
            let name = "victim-\(victimRuns)"
            try d.expectSuccess(a, "\(d.ptune) submit --spool \(spool) \(try neighbourBundle(name))")
            let row = try d.h.waitForJob(name, in: ["succeeded", "failed", "rejected"], seconds: 60)
            #expect(row["state"] as? String == "succeeded", "after \(attack): the neighbour's bundle \(row)")
            victimJob = row["id"] as? String ?? ""
            #expect(try !attacker("cat $S/done/\(victimJob)/report.json $S/done/\(victimJob)/bundle/train.jsonl"),
                    "after \(attack): the attacker read the neighbour's result")
        }
    }

    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    @Test func everyAttackLeavesTheServiceUnharmed() throws {
        let arena = try Arena()
        let canary = try arena.canaryState()
        try arena.victimSucceeds(after: "nothing")
        let only = ProcessInfo.processInfo.environment["PTUNE_ATTACKS"]
        for attack in Self.attacks where only.map({ attack.name.contains($0) }) ?? true {
            print("attack: \(attack.name)")
            // A failed step is recorded and the next attack still runs: one breach hides no other.
            do {
                try attack.run(arena)
                #expect(try arena.canaryState() == canary, "\(attack.name): the canary tree changed")
                #expect(arena.d.h.daemon?.isRunning == true, "\(attack.name): the daemon died")
                #expect(try arena.d.h.history().isEmpty == false, "\(attack.name): the database does not read")
                try arena.victimSucceeds(after: attack.name)
            } catch {
                Issue.record("\(attack.name): \(String(describing: error).prefix(300))")
            }
        }
        #expect(try arena.d.h.stop() == 0)
    }

    /// The attacks, in order. The first ones are the issue's reproductions.
    static var attacks: [Attack] { [
        Attack(name: "a link planted as reason.json.tmp in a folder without task.toml") { a in
            try a.attacker("mkdir $H/x1 && ln -s $C/file $H/x1/reason.json.tmp && mv $H/x1 $S/incoming/x1")
            #expect(try a.rejection("x1").contains("reason.json.tmp"))
        },
        Attack(name: "a folder named reason.json in a folder without task.toml") { a in
            try a.attacker("mkdir -p $H/x2/reason.json && mv $H/x2 $S/incoming/x2")
            _ = try a.rejection("x2")
        },
        Attack(name: "reason.txt a link to a canary file") { a in
            try a.attacker("mkdir $H/x3 && ln -s $C/file $H/x3/reason.txt && mv $H/x3 $S/incoming/x3")
            _ = try a.rejection("x3")
        },
        .accepted("a bundle made read-only (0555) before it is dropped", "x4", "mv $H/x4 $S/incoming/x4 && chmod 0555 $S/incoming/x4", paused: true),
        .accepted("a bundle copied in place with cp -r under umask 022 by another user", "x5", "umask 022; cp -r $H/x5 $S/incoming/x5"),
        .refused("wall_time = Int64.max", "x6",
                 "sed -i 's/^\\[limits\\]$/[limits]\\nwall_time = 9223372036854775807/' $H/x6/task.toml && mv $H/x6 $S/incoming/x6",
                 saying: "wall_time"),
        .refused("model given as an absolute path outside the models folder", "x7", "sed -i 's|^model = .*|model = \"'$C'/file\"|' $H/x7/task.toml && mv $H/x7 $S/incoming/x7", saying: "model"),
        Attack(name: "task.toml rewritten through a descriptor held open after the claim") { a in
            let manifest = try a.bundle("x8") + "/task.toml"
            let original = try String(contentsOfFile: manifest, encoding: .utf8)
            // A descriptor opened before the drop, as the submitter's own process could hold it;
            // written once the job is recorded, that is once the daemon validated the bundle.
            let held = open(manifest, O_WRONLY)
            defer { close(held) }
            try a.attacker("mv $H/x8 $S/incoming/x8")
            try a.d.h.wait(seconds: 30, "x8 recorded") { try a.d.h.job(named: "x8") != nil }
            let rewrite = Array("model = \"/etc/passwd\"\n\n\n\n\n\n".utf8)
            #expect(write(held, rewrite, rewrite.count) == rewrite.count)
            #expect(try a.ending("x8") == "succeeded")
            let id = try a.d.h.job(named: "x8")?["id"] as? String ?? ""
            #expect(try String(contentsOfFile: a.spool + "/done/\(id)/bundle/task.toml", encoding: .utf8) == original)
        },
        Attack(name: "training data a link to the neighbour's file") { a in
            let reason = try a.dropRejected("x9", "rm $H/x9/train.jsonl && ln -s $V/victim-1/train.jsonl $H/x9/train.jsonl && mv $H/x9 $S/incoming/x9")
            #expect(reason.contains("train.jsonl"))
            try a.expectDenied("cat $S/rejected/x9/train.jsonl")
        },
        .refused("training data a link to /dev/zero", "x10", "rm $H/x10/train.jsonl && ln -s /dev/zero $H/x10/train.jsonl && mv $H/x10 $S/incoming/x10",
                 saying: "train.jsonl"),
        .refused("training data a FIFO", "x11", "rm $H/x11/train.jsonl && mkfifo $H/x11/train.jsonl && mv $H/x11 $S/incoming/x11", saying: "train.jsonl"),
        Attack(name: "a hard link to the attacker's own file outside the bundle") { a in
            let reason = try a.dropRejected("x12", "echo mine > $H/outside && ln $H/outside $H/x12/extra && mv $H/x12 $S/incoming/x12")
            #expect(reason.contains("hard link"))
            #expect(Self.status(a.home + "/outside")?.st_uid == a.b.uid, "the file outside was taken")
        },
        Attack(name: "a hard link to the daemon's database or a canary file") { a in
            try a.bundle("x13")
            let linked = try a.attacker("ln $S/ptune.sqlite $H/x13/db || ln $C/file $H/x13/canary")
            try a.attacker("mv $H/x13 $S/incoming/x13")
            if linked {
                #expect(try a.rejection("x13").contains("belongs to uid"))
            } else {
                #expect(try a.ending("x13") == "succeeded", "the kernel refused the link (fs.protected_hardlinks)")
            }
        },
        .refused("a 2 TB sparse file", "x14", "truncate -s 2T $H/x14/huge.bin && mv $H/x14 $S/incoming/x14", saying: "huge.bin"),
        .refused("folders nested 200 deep", "x15", "cd $H/x15 && for i in $(seq 200); do mkdir d && cd d; done && mv $H/x15 $S/incoming/x15", saying: "nested"),
        Attack(name: "a name with terminal escapes") { a in
            let state = try a.drop("x16", "mv $H/x16 \"$S/incoming/x16$(printf '\\033[2J\\033]0;owned\\007')\"")
            #expect(state == "succeeded")
            let history = try a.d.h.cli(["history", "--spool", a.spool])
            #expect(!history.out.contains("\u{1B}"), "history printed a raw escape")
        },
        .accepted("a name that is not UTF-8", "x17", "mv $H/x17 \"$S/incoming/x17$(printf '\\377\\376')\""),
        Attack(name: "a forged hidden claim in incoming/") { a in
            try a.bundle("x18")
            try a.attacker("mv $H/x18 $S/incoming/.claiming-000000000000")
            usleep(1_500_000)
            let left = try a.attacker("test -f $S/incoming/.claiming-000000000000/task.toml")
            #expect(left, "a hidden entry was taken")
            try a.attacker("rm -rf $S/incoming/.claiming-000000000000")
        },
        Attack(name: "writing a claim record into active/claims/") { a in
            try a.expectDenied("echo '{}' > $S/active/claims/.claim-000000000000")
        },
        Attack(name: "reading the neighbour's bundle while it waits in incoming/") { a in
            let name = "victim-waiting"
            let dir = try a.neighbourBundle(name)
            let pid = try #require(a.d.h.daemon?.processIdentifier)
            kill(pid, SIGSTOP)
            try a.d.expectSuccess(a.a, "\(a.d.ptune) submit --spool \(a.spool) \(dir)")
            try a.expectDenied("cat $S/incoming/\(name)/task.toml $S/incoming/\(name)/train.jsonl",
                               "rm -rf $S/incoming/\(name)", "mv $S/incoming/\(name) $S/incoming/mine")
            kill(pid, SIGCONT)
            #expect(try a.ending(name) == "succeeded")
        },
        Attack(name: "reading bundles in active/ and listing done/") { a in
            try a.expectDenied("ls $S/active", "ls $S/done", "cat $S/active/*/bundle/task.toml", "ls $S/tmp")
        },
        Attack(name: "cancelling the neighbour's job") { a in
            let name = "victim-long"
            try a.d.expectSuccess(a.a, "\(a.d.ptune) submit --spool \(a.spool) \(try a.neighbourBundle(name, steps: 100_000))")
            let id = try #require(try a.d.h.waitForJob(name, in: ["running"])["id"] as? String)
            try a.attacker("\(a.d.ptune) cancel --spool $S \(id)")
            try a.attacker("ln -s $C/file $S/control/cancel/\(id)-x; touch $S/control/cancel/\(id)")
            try a.d.h.wait(seconds: 20, "the requests removed") { !a.d.h.contents("control/cancel").contains(id) }
            #expect(try a.d.h.job(named: name)?["state"] as? String == "running")
            try a.d.expectSuccess(a.a, "\(a.d.ptune) cancel --spool \(a.spool) \(id)")
            #expect(try a.ending(name) == "cancelled")
            try a.attacker("rm -f $S/control/cancel/\(id)-x")
        },
        Attack(name: "writing the daemon's status.json and database") { a in
            try a.expectDenied("echo x > $S/control/status.json")
            try a.expectDenied("echo x >> $S/ptune.sqlite")
        },
        Attack(name: "an archive with an absolute path") { a in
            try a.attacker("tar -cPf $S/incoming/x24.tar $C/file")
            _ = try a.rejection("x24")
        },
        .refused("an archive holding a link to the canary", "x25", "ln -s $C/file $H/x25/link && tar -cf $S/incoming/x25.tar -C $H x25", saying: "link"),
        Attack(name: "a decompression bomb") { a in
            _ = try a.dropRejected("x26", "truncate -s 1536M $H/x26/zeros && tar --zstd -cf $H/x26.tar.zst -C $H x26 && mv $H/x26.tar.zst $S/incoming/")
            try a.attacker("rm -rf $H/x26")
        },
        Attack(name: "a subfolder swapped for a link to the canary while the daemon takes the bundle") { a in
            try a.bundle("x27", extra: "", files: ["data/more.txt": "x"])
            try a.attacker("""
                mv $H/x27 $S/incoming/x27; end=$(($(date +%s) + 3))
                while [ $(date +%s) -lt $end ]; do
                  mv $S/incoming/x27/data $S/incoming/x27/d2 2>/dev/null && ln -s $C $S/incoming/x27/data 2>/dev/null
                  rm -f $S/incoming/x27/data 2>/dev/null; mv $S/incoming/x27/d2 $S/incoming/x27/data 2>/dev/null
                done; true
                """)
            try a.d.h.wait(seconds: 30, "x27 taken") { !a.d.h.contents("incoming").contains("x27") }
        },
        Attack(name: "an entry that is a link to the canary folder") { a in
            try a.attacker("ln -s $C $S/incoming/x28")
            usleep(1_500_000)
            try a.attacker("rm $S/incoming/x28")
        },
        Attack(name: "a FIFO named like an archive") { a in
            try a.attacker("mkfifo $S/incoming/x29.tar")
            usleep(1_500_000)
            try a.attacker("rm $S/incoming/x29.tar")
        },
        Attack(name: "a set-user-ID file in the bundle") { a in
            try a.bundle("x30", files: ["run.sh": "#!/bin/sh\n"])
            try a.attacker("chmod 4755 $H/x30/run.sh && mv $H/x30 $S/incoming/x30")
            #expect(try a.rejection("x30").contains("set-user-ID"))
        },
        .refused("a 20 MB task.toml", "x31", "head -c 20000000 /dev/zero | tr '\\0' '#' >> $H/x31/task.toml && mv $H/x31 $S/incoming/x31", saying: "task.toml"),
        Attack(name: "a file of one's own with mode 0000") { a in
            let script = "chmod 0000 $H/x32/train.jsonl && mv $H/x32 $S/incoming/x32 && chmod 0000 $S/incoming/x32"
            let state = try a.drop("x32", script, paused: true)
            #expect(state == "succeeded")
        },
        Attack(name: "a bundle rejected for a missing model, dropped again unchanged once the model is there") { a in
            let reason = try a.dropRejected("x33", "sed -i 's|^model = .*|model = \"tiny33\"|' $H/x33/task.toml && cp -r $H/x33 $H/x33-again && mv $H/x33 $S/incoming/x33")
            #expect(reason.contains("tiny33"))
            try FileManager.default.copyItem(at: a.d.h.models.appendingPathComponent("tiny"), to: a.d.h.models.appendingPathComponent("tiny33"))
            // reason.txt is written before the rejected row is recorded: wait for the row itself.
            try a.d.h.waitForJob("x33", in: ["rejected"], seconds: 30)
            try a.attacker("mv $H/x33-again $S/incoming/x33")
            // The same bundle is the same job: its row, rejected until now, ends once more.
            let again = try a.d.h.waitForJob("x33", in: a.endings.subtracting(["rejected"]))
            #expect(again["state"] as? String == "succeeded", "dropped again: \(again)")
        },
    ] }
}
