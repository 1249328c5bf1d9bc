import Base
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct FileSystemTests {
    @Test func renameNoReplaceNeverOverwrites() throws {
        let folder = TestEnvironment.temporaryDirectory("fs").path
        try Data("a".utf8).write(to: URL(fileURLWithPath: folder + "/a"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: folder + "/b"))
        #expect(try FileSystem.renameNoReplace(folder + "/a", folder + "/b") == .targetExists)
        #expect(try String(contentsOfFile: folder + "/b", encoding: .utf8) == "b")
        #expect(try FileSystem.renameNoReplace(folder + "/a", folder + "/c") == .renamed)
        #expect(try FileSystem.renameNoReplace(folder + "/a", folder + "/d") == .sourceMissing)
    }

    @Test func removeTreeDoesNotFollowSymbolicLinks() throws {
        let root = TestEnvironment.temporaryDirectory("fs").path
        let outside = root + "/outside"
        try FileSystem.makeDirectory(outside, mode: 0o755)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/precious"))
        let tree = root + "/tree"
        try FileSystem.makeDirectory(tree, mode: 0o755)
        try FileSystem.makeDirectory(tree + "/sub", mode: 0o700)
        #expect(symlink(outside, tree + "/sub/link") == 0)
        FileSystem.removeTree(tree)
        #expect(try FileSystem.status(tree) == nil)
        #expect(FileManager.default.fileExists(atPath: outside + "/precious"))
    }

    @Test func makeDirectorySetsTheModeWhateverTheUmaskAndKeepsAnExistingFolder() throws {
        let previous = umask(0o077)
        defer { umask(previous) }
        let path = TestEnvironment.temporaryDirectory("fs").path + "/made"
        #expect(try FileSystem.makeDirectory(path, mode: 0o755))
        #expect(try FileSystem.status(path).map { $0.st_mode & 0o7777 } == 0o755)
        #expect(try !FileSystem.makeDirectory(path, mode: 0o700))
        #expect(try FileSystem.status(path).map { $0.st_mode & 0o7777 } == 0o755)
    }

    @Test func entriesListsNamesWithoutDots() throws {
        let folder = TestEnvironment.temporaryDirectory("fs").path
        for name in ["x", "y.tar"] { try Data().write(to: URL(fileURLWithPath: folder + "/" + name)) }
        #expect(try FileSystem.entries(of: folder).sorted() == ["x", "y.tar"])
        #expect(throws: FileError.self) { try FileSystem.entries(of: folder + "/missing") }
    }
}
