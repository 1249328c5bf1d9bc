import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        try? input.fileHandleForWriting.write(contentsOf: payload)
        try? input.fileHandleForWriting.close()
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
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = payload
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(id, forHTTPHeaderField: "X-Ptune-Notification-Id")
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        URLSession.shared.dataTask(with: request) { _, response, error in
            if let error {
                outcome.message = "\(url): \(error.localizedDescription)"
            } else if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
                outcome.message = "\(url) answered HTTP \(status)"
            }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + timeout + 1) == .success else { throw DeliveryError("\(url): no answer within \(timeout) s") }
        if let message = outcome.message { throw DeliveryError(message) }
    }

    private final class OutcomeBox: @unchecked Sendable { var message: String? }
}

/// Why a delivery failed.
public struct DeliveryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
