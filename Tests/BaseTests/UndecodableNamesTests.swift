import Base
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct UndecodableNamesTests {
    /// Makes the folder `parent/NAME` where NAME is `raw`, bytes that need not be UTF-8.
    func makeRawFolder(_ parent: String, _ raw: [UInt8]) {
        let path = Array(parent.utf8) + [0x2F] + raw + [0]
        let made = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) } }
        #expect(made == 0)
    }

    @Test func entriesWithUndecodableNamesGetEscapedNames() throws {
        let folder = TestEnvironment.temporaryDirectory("names").path
        makeRawFolder(folder, Array("caf".utf8) + [0xE9])
        makeRawFolder(folder, [0x1B, 0x5B, 0xFF])
        try FileSystem.makeDirectory(folder + "/caf%E9", mode: 0o755)
        try FileSystem.makeDirectory(folder + "/plain", mode: 0o755)
        let renamed = try FileSystem.renameUndecodableEntries(in: folder)
        #expect(Set(renamed) == ["caf%E9-2", "%1B[%FF"])
        #expect(Set(try FileSystem.entries(of: folder)) == ["caf%E9", "caf%E9-2", "%1B[%FF", "plain"])
        #expect(try FileSystem.renameUndecodableEntries(in: folder).isEmpty)
    }

    @Test func removeTreeRemovesUndecodableNames() throws {
        let root = TestEnvironment.temporaryDirectory("names").path
        try FileSystem.makeDirectory(root + "/tree", mode: 0o755)
        makeRawFolder(root + "/tree", [0xC3, 0x28])
        FileSystem.removeTree(root + "/tree")
        #expect(try FileSystem.status(root + "/tree") == nil)
    }
}
