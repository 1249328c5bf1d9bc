@testable import Daemon
import Foundation
import Glibc
import TestSupport
import Testing

struct SystemdNotifierTests {
    /// A datagram socket standing in for systemd's; returns what arrives within a second.
    func receive(at path: String, _ send: () -> Void) -> String? {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { return nil }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        send()
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    @Test func sendsStateToTheNotifySocket() {
        let path = TestEnvironment.processRoot.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"])
        #expect(notifier.watchdogInterval == 15)
        #expect(receive(at: path) { notifier.notify("READY=1\nSTATUS=idle") } == "READY=1\nSTATUS=idle")
    }

    @Test func withoutTheVariableNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(notifier.watchdogInterval == nil)
        notifier.notify("READY=1")
    }
}
