import Base
import Foundation
import Store

/// What the daemon hands a `ptune deliver-notification` process, in its own folder
/// (`tmp/notify/JOB.CHANNEL/`): `request.json` (the channel and its settings), `payload.json` (the
/// job), and what the process leaves there when done, `result.json`.
public struct NotificationRequest: Codable, Sendable {
    public var id: String
    public var timeoutSeconds: Double
    public var command: [String]?
    public var url: URL?

    /// The outcome a delivery process writes.
    public struct Result: Codable, Sendable {
        public var delivered: Bool
        public var detail: String
    }

    public var channel: NotificationChannel? {
        if let command { return .command(command) }
        return url.map(NotificationChannel.url)
    }

    static let requestFile = "request.json", payloadFile = "payload.json", resultFile = "result.json"

    /// Runs the request in `folder` and writes its result there (what `ptune deliver-notification` does).
    public static func deliver(folder: URL) throws {
        let request = try JSONDecoder().decode(NotificationRequest.self, from: Data(contentsOf: folder.appendingPathComponent(requestFile)))
        let payload = try Data(contentsOf: folder.appendingPathComponent(payloadFile))
        var result = Result(delivered: true, detail: "")
        do {
            guard let channel = request.channel else { throw DeliveryError("the request names no channel") }
            try NotificationDelivery.deliver(payload, on: channel, id: request.id, timeout: request.timeoutSeconds)
        } catch {
            result = Result(delivered: false, detail: "\(error)")
        }
        try AtomicFile.write(try JSONEncoder().encode(result), to: folder.appendingPathComponent(resultFile).path, mode: 0o600)
    }

    /// The result left in `folder`, if the delivery process got that far.
    static func result(in folder: URL) -> Result? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(resultFile)) else { return nil }
        return try? JSONDecoder().decode(Result.self, from: data)
    }

    /// The job as the notification tells it: the history row (snake_case keys, ISO-8601 dates),
    /// with the owner's name and the job's folder.
    static func payload(for job: JobRecord, layout: SpoolLayoutPaths) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var object = try JSONSerialization.jsonObject(with: encoder.encode(job)) as? [String: Any] ?? [:]
        object["owner"] = JobOwner.name(job.ownerUID)
        object["folder"] = (job.state == .succeeded ? layout.done : layout.failed).appendingPathComponent(job.id).path
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

/// The two folders a notification names.
struct SpoolLayoutPaths {
    let done: URL
    let failed: URL
}
