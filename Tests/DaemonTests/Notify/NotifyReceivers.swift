import Foundation
import Glibc
import TestSupport

/// The two ends a notification test listens on: a command that appends `ID STATE` to a file, and a
/// local HTTP server (Python's http.server) that appends `ID STATE` for each POST it answers 200.
final class NotifyReceivers {
    let folder: URL
    let script: URL
    private let server = Process()
    private let lifeline = Pipe()
    let url: String

    init(root: URL) throws {
        folder = root.appendingPathComponent("receivers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        script = folder.appendingPathComponent("on-job-end.sh")
        let commandLog = folder.appendingPathComponent("command.log").path
        try Data("#!/bin/sh\nread -r json\necho \"$PTUNE_JOB_ID $PTUNE_JOB_STATE\" >> \(commandLog)\n".utf8).write(to: script)
        chmod(script.path, 0o755)
        let receiver = folder.appendingPathComponent("receiver.py")
        try Data("""
            import http.server, json, os, sys, threading
            out = sys.argv[1]
            # Ends with the test: its stdin is a pipe the test holds.
            threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    job = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    with open(out, "a") as f:
                        f.write(job["id"] + " " + job["state"] + "\\n")
                        f.flush()
                        os.fsync(f.fileno())
                    self.send_response(200)
                    self.end_headers()
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """.utf8).write(to: receiver)
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [receiver.path, folder.appendingPathComponent("http.log").path]
        let out = Pipe()
        server.standardOutput = out
        server.standardInput = lifeline
        server.standardError = FileHandle.nullDevice
        try server.run()
        let port = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        url = "http://127.0.0.1:\(port)/ptune"
    }

    deinit { stop() }

    /// Stops the HTTP server.
    func stop() {
        try? lifeline.fileHandleForWriting.close()
        server.waitUntilExit()
    }

    /// The `[notify]` table for the daemon's config file.
    var config: String {
        "[notify]\ncommand = [\"\(script.path)\"]\nurl = \"\(url)\"\ntimeout_seconds = 10\n"
    }

    /// `ID STATE` lines each receiver got, in order.
    func received() -> (command: [String], http: [String]) {
        let read = { (name: String) in
            ((try? String(contentsOf: self.folder.appendingPathComponent(name), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
        return (read("command.log"), read("http.log"))
    }
}
