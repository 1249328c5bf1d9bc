import Base
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct DirectoryTreeTests {
    /// root/{a.txt, sub/b.txt, link-file -> a.txt, link-dir -> outside, fifo}; outside/secret.
    func tree() throws -> (root: String, outside: String) {
        let base = TestEnvironment.temporaryDirectory("tree").path
        let root = base + "/root", outside = base + "/outside"
        try FileSystem.makeDirectory(root, mode: 0o755)
        try FileSystem.makeDirectory(root + "/sub", mode: 0o755)
        try FileSystem.makeDirectory(outside, mode: 0o755)
        try Data("a".utf8).write(to: URL(fileURLWithPath: root + "/a.txt"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: root + "/sub/b.txt"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret"))
        #expect(symlink(root + "/a.txt", root + "/link-file") == 0)
        #expect(symlink(outside, root + "/link-dir") == 0)
        #expect(mkfifo(root + "/fifo", 0o644) == 0)
        return (root, outside)
    }

    @Test func listsOnlyRegularFilesAndFollowsNoLink() throws {
        let (root, _) = try tree()
        #expect(try DirectoryTree.regularFiles(under: root) == ["a.txt", "sub/b.txt"])
    }

    @Test func opensNothingThroughALinkNorAFIFO() throws {
        let (root, _) = try tree()
        let fd = try DirectoryTree.openRegularFile("sub/b.txt", under: root)
        close(fd)
        for path in ["link-dir/secret", "link-file", "fifo", "sub"] {
            #expect(throws: FileError.self, "\(path)") { _ = try DirectoryTree.openRegularFile(path, under: root) }
        }
    }
}

@Suite struct DirectoryTreeSizeTests {
    @Test func countsAllocatedBlocksSoASparseFileCountsLittle() throws {
        let base = TestEnvironment.temporaryDirectory("tree-size").path
        defer { FileSystem.removeTree(base) }
        try FileManager.default.createDirectory(atPath: base + "/tree/sub", withIntermediateDirectories: true)
        try Data(count: 100_000).write(to: URL(fileURLWithPath: base + "/tree/sub/dense"))
        let sparse = open(base + "/tree/sparse", O_CREAT | O_WRONLY, 0o600)
        ftruncate(sparse, 1 << 40)
        close(sparse)
        symlink("/usr", base + "/tree/link")
        let bytes = try DirectoryTree.allocatedBytes(under: base + "/tree")
        #expect(bytes >= 100_000)
        #expect(bytes < 1 << 20)
        #expect(throws: FileError.self) { try DirectoryTree.allocatedBytes(under: base + "/missing") }
    }
}
