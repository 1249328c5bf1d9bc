import Foundation
import Glibc

/// One delivery of a job's end: the command run with the job's JSON on stdin (and its main fields
/// in `PTUNE_JOB_*` variables), or the JSON POSTed to the URL. Runs in the `ptune
/// deliver-notification` process the daemon starts, so a daemon killed meanwhile neither cuts a
/// delivery short nor forgets it: the process writes its result beside the payload.
public enum NotificationDelivery {
    /// Delivers `payload` (the job as JSON) on `channel`; throws with what went wrong.
    public static func deliver(_ payload: Data, on channel: NotificationChannel, id: String, timeout: Double) throws {
        switch channel {
        case .command(let argv): try run(argv, payload: payload, id: id, timeout: timeout)
        case .url(let url): try post(payload, to: url, id: id, timeout: timeout)
        }
    }

    /// The variables a command gets: PTUNE_JOB_ID, _NAME, _STATE, _OWNER, _REASON, _FOLDER, and
    /// PTUNE_NOTIFICATION_ID (the same for every retry of one notification).
    static func environment(_ payload: Data, id: String) -> [String: String] {
        let job = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] ?? [:]
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "PTUNE_NOTIFICATION_ID": id]
        for (key, field) in [("ID", "id"), ("NAME", "name"), ("STATE", "state"), ("OWNER", "owner"), ("REASON", "reason"),
                             ("FOLDER", "folder")] {
            if let value = job[field] as? String { environment["PTUNE_JOB_" + key] = value }
        }
        return environment
    }

    private static func run(_ argv: [String], payload: Data, id: String, timeout: Double) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = environment(payload, id: id)
        // stdin is one end of a socket pair, not a pipe: a command that exits without reading it
        // then fails our write (MSG_NOSIGNAL) instead of killing this process with SIGPIPE.
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw DeliveryError("cannot make the command's input: \(String(cString: strerror(errno)))")
        }
        defer { close(ends[0]) }
        SocketIO.setTimeouts(ends[0], seconds: timeout, receive: false)
        let childEnd = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        process.standardInput = childEnd
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        try? childEnd.close()
        SocketIO.sendAll(ends[0], payload)
        shutdown(ends[0], Int32(SHUT_WR))
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw DeliveryError("\(argv[0]) gave no answer within \(timeout) s")
            }
            usleep(10_000)
        }
        guard process.terminationStatus == 0 else {
            let said = String(decoding: errors.fileHandleForReading.availableData.prefix(500), as: UTF8.self)
            throw DeliveryError("\(argv[0]) exited with status \(process.terminationStatus)" + (said.isEmpty ? "" : ": \(said)"))
        }
    }

    private static func post(_ payload: Data, to url: URL, id: String, timeout: Double) throws {
        let status = try HTTPPost.send(payload, to: url, headers: ["Content-Type": "application/json", "X-Ptune-Notification-Id": id],
                                       timeout: timeout)
        guard (200..<300).contains(status) else { throw DeliveryError("\(url) answered HTTP \(status)") }
    }
}

/// Why a delivery failed.
public struct DeliveryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
