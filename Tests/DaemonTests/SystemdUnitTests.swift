import Foundation
import TestSupport
import Testing

/// `systemd/ptune.service` as shipped: settings that would defeat each other, and systemd's own checks.
struct SystemdUnitTests {
    static let unit = TestEnvironment.packageRoot.appendingPathComponent("systemd/ptune.service")
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let skipReason = "systemd-analyze is not installed (package systemd): unit-file checks skipped"

    /// The values of `key` in the unit, in order.
    static func values(_ key: String) throws -> [String] {
        try String(contentsOf: unit, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// The unit with ExecStart pointing at an existing binary, as systemd-analyze wants it.
    static func checkableCopy() throws -> URL {
        let folder = TestEnvironment.temporaryDirectory("unit")
        let text = try String(contentsOf: unit, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/ptune", with: "/bin/true")
        let copy = folder.appendingPathComponent("ptune.service")
        try Data(text.utf8).write(to: copy)
        return copy
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try TestEnvironment.capture(analyze!, arguments)
    }

    @Test func theDelegatedCgroupIsNotMountedReadOnly() throws {
        let delegates = try Self.values("Delegate").contains { $0 != "no" }
        #expect(delegates)
        #expect(try Self.values("ProtectControlGroups") != ["yes"], "ProtectControlGroups=yes makes Delegate= unusable")
    }

    @Test(.enabled(if: analyze != nil, Comment(rawValue: skipReason)))
    func systemdAnalyzeVerifiesTheUnitAndRatesItSafe() throws {
        let copy = try Self.checkableCopy()
        let verify = try Self.run(["verify", copy.path])
        #expect(verify.status == 0, "\(verify.output)")
        let security = try Self.run(["security", "--offline=yes", copy.path])
        let line = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let exposure = line.split(separator: " ").compactMap { Double($0) }.first
        #expect(exposure.map { $0 <= 2.0 } == true, "\(line)")
    }
}
