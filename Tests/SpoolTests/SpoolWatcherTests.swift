import Foundation
import Glibc
@testable import Spool
import Testing

@Suite struct SpoolWatcherTests {
    @Test func seesARenameIntoIncomingWithinASecond() throws {
        let spool = try SpoolFixture()
        let watcher = try SpoolWatcher(layout: spool.layout)
        defer { watcher.close() }
        #expect(try watcher.wait(timeout: .milliseconds(10)) == .quiet)
        let staged = try spool.bundle("sst2")
        try FileManager.default.moveItem(at: staged, to: spool.layout.incoming.appendingPathComponent("sst2"))
        let wake = try watcher.wait(timeout: .seconds(1))
        #expect(wake == .changed(names: ["sst2"], whole: ["sst2"]))
    }

    @Test func seesAFileWrittenInPlaceOnceAndWholeWhenClosed() throws {
        let spool = try SpoolFixture()
        let watcher = try SpoolWatcher(layout: spool.layout)
        try spool.write("spool/incoming/x.tar")
        #expect(try watcher.wait(timeout: .seconds(1)) == .changed(names: ["x.tar"], whole: ["x.tar"]))
        #expect(try watcher.wait(timeout: .milliseconds(10)) == .quiet)
    }

    @Test func aFolderMadeInPlaceOrAFileStillOpenIsNotWhole() throws {
        let spool = try SpoolFixture()
        let watcher = try SpoolWatcher(layout: spool.layout)
        try FileManager.default.createDirectory(at: spool.layout.incoming.appendingPathComponent("copying"),
                                                withIntermediateDirectories: false)
        let fd = open(spool.layout.incoming.path + "/y.tar.zst", O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        #expect(write(fd, "half", 4) == 4)
        let wake = try watcher.wait(timeout: .seconds(1))
        close(fd)
        #expect(wake == .changed(names: ["copying", "y.tar.zst"], whole: []))
        #expect(try watcher.wait(timeout: .seconds(1)) == .changed(names: ["y.tar.zst"], whole: ["y.tar.zst"]))
    }

    @Test func ignoresWritesOutsideIncoming() throws {
        let spool = try SpoolFixture()
        let watcher = try SpoolWatcher(layout: spool.layout)
        try spool.write("spool/tmp/x.tar")
        #expect(try watcher.wait(timeout: .milliseconds(50)) == .quiet)
    }

    @Test func cancelWakesAWaiterAndCloseEndsTheWatch() throws {
        let spool = try SpoolFixture()
        let watcher = try SpoolWatcher(layout: spool.layout)
        let started = ContinuousClock.now
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { watcher.cancel() }
        #expect(try watcher.wait(timeout: .seconds(10)) == .cancelled)
        #expect(ContinuousClock.now - started < .seconds(5))
        watcher.close()
        #expect(try watcher.wait(timeout: .seconds(10)) == .cancelled)
    }

    @Test func parsesPackedEvents() {
        var bytes: [UInt8] = []
        func event(mask: UInt32, name: String, padded length: Int) {
            for value in [UInt32(1), mask, 0, UInt32(length)] { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
            bytes += Array(name.utf8) + [UInt8](repeating: 0, count: length - name.utf8.count)
        }
        event(mask: 0x80, name: "a.tar", padded: 16)
        event(mask: 0x4000, name: "", padded: 0)
        var seen: [(UInt32, String?)] = []
        bytes.withUnsafeBytes { raw in InotifyEvent.parse(raw) { seen.append(($0.mask, $0.name)) } }
        #expect(seen.map(\.0) == [0x80, 0x4000])
        #expect(seen.map(\.1) == ["a.tar", nil])
    }
}
