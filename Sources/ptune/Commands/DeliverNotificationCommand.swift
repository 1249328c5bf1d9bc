import ArgumentParser
import Daemon
import Foundation

/// `ptune deliver-notification FOLDER`: one delivery of a job's end, started by the daemon
/// (`Notifier`): runs the request in FOLDER and leaves its result there. Not for users.
struct DeliverNotificationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliver-notification",
                                                    abstract: "Deliver one notification (run by the daemon).",
                                                    shouldDisplay: false)

    @Argument(help: "The notification's folder.") var folder: String

    func run() throws {
        try NotificationRequest.deliver(folder: URL(fileURLWithPath: folder))
    }
}
