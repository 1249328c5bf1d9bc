import ArgumentParser
import Foundation
import Spool

/// `ptune submit`: drop a bundle into the spool safely (copy into tmp/, fsync, rename into incoming/).
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Put a bundle (folder, .tar or .tar.zst) into the daemon's spool.")

    @OptionGroup var spoolOptions: SpoolOptions
    @Argument(help: "The bundle folder or archive.") var path: String

    func run() throws {
        let layout = SpoolLayout(root: try spoolOptions.spoolURL())
        let name = try SpoolIntake.submit(source: URL(fileURLWithPath: path), layout: layout)
        print("submitted \(name) to \(layout.incoming.path)")
        print("follow it with: ptune history --name '\(name)'   (then ptune show JOB)")
    }
}
