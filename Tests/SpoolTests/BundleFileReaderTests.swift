import Foundation
@testable import Spool
import Testing

@Suite struct BundleFileReaderTests {
    @Test(arguments: [
        ("../x.jsonl", "\"../x.jsonl\" has a .. component"),
        ("data/../../x.jsonl", "\"data/../../x.jsonl\" has a .. component"),
        ("/etc/passwd", "\"/etc/passwd\" is an absolute path"),
        ("~/x.jsonl", "\"~/x.jsonl\" is an absolute path"),
        ("", "empty path"),
    ])
    func rejectsPathsThatLeaveTheBundle(path: String, message: String) {
        #expect(BundleFileReader.checkRelativePath(path)?.message == message)
    }

    @Test func acceptsPlainRelativePaths() {
        #expect(BundleFileReader.checkRelativePath("data/train.jsonl") == nil)
        #expect(BundleFileReader.checkRelativePath("./train..jsonl") == nil)
    }

    @Test func readsARegularFile() throws {
        let fixture = try BundleFixture()
        try fixture.write("a/b.txt", "hello")
        let reader = BundleFileReader(root: fixture.root, maxFileBytes: 100)
        #expect(try reader.contents(of: "a/b.txt") == Array("hello".utf8))
        #expect(try reader.contents(of: "./a/b.txt") == Array("hello".utf8))
    }

    @Test func rejectsASymlinkedFileEvenInsideTheBundle() throws {
        let fixture = try BundleFixture.sentiment()
        try FileManager.default.moveItem(at: fixture.root.appendingPathComponent("train.jsonl"),
                                         to: fixture.root.appendingPathComponent("real.jsonl"))
        try FileManager.default.createSymbolicLink(atPath: fixture.root.appendingPathComponent("train.jsonl").path,
                                                   withDestinationPath: "real.jsonl")
        #expect(fixture.problems().map(\.description) == [
            "train.jsonl: \"train.jsonl\" is a symbolic link (a bundle holds its data as regular files inside its folder)",
        ])
    }

    @Test func rejectsASymlinkedFolderOnThePath() throws {
        let fixture = try BundleFixture()
        let outside = try BundleFixture()
        try outside.write("x.jsonl", "{}")
        try FileManager.default.createSymbolicLink(at: fixture.root.appendingPathComponent("data"), withDestinationURL: outside.root)
        let reader = BundleFileReader(root: fixture.root, maxFileBytes: 100)
        #expect(throws: BundleFileError(message: "\"data\" in \"data/x.jsonl\" is a symbolic link",
                                        hint: "a bundle holds its data as regular files inside its folder")) {
            try reader.contents(of: "data/x.jsonl")
        }
    }

    @Test(arguments: [("dir", "\"dir\" is a directory"), ("pipe", "\"pipe\" is a FIFO"), ("dir/pipe", "\"dir/pipe\" is a FIFO")])
    func rejectsDirectoriesAndFIFOs(path: String, message: String) throws {
        let fixture = try BundleFixture()
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("dir"), withIntermediateDirectories: true)
        #expect(mkfifo(fixture.root.appendingPathComponent("pipe").path, 0o600) == 0)
        #expect(mkfifo(fixture.root.appendingPathComponent("dir/pipe").path, 0o600) == 0)
        let reader = BundleFileReader(root: fixture.root, maxFileBytes: 100)
        #expect(throws: BundleFileError(message: message, hint: "a bundle holds its data as regular files inside its folder")) {
            try reader.contents(of: path)
        }
    }

    @Test func rejectsADevice() {
        let reader = BundleFileReader(root: URL(fileURLWithPath: "/dev"), maxFileBytes: 100)
        #expect(throws: BundleFileError(message: "\"null\" is a device", hint: "a bundle holds its data as regular files inside its folder")) {
            try reader.contents(of: "null")
        }
    }

    @Test func rejectsAFileUsedAsAFolder() throws {
        let fixture = try BundleFixture()
        try fixture.write("a", "x")
        let reader = BundleFileReader(root: fixture.root, maxFileBytes: 100)
        #expect(throws: BundleFileError(message: "\"a\" in \"a/b\" is a file, not a folder",
                                        hint: "a bundle holds its data as regular files inside its folder")) {
            try reader.contents(of: "a/b")
        }
    }

    @Test func rejectsFilesOverTheCap() throws {
        let fixture = try BundleFixture()
        try fixture.write("big.txt", String(repeating: "x", count: 2048))
        let reader = BundleFileReader(root: fixture.root, maxFileBytes: 1024)
        #expect(throws: BundleFileError(message: "\"big.txt\" is 2 KiB; the limit is 1 KiB")) {
            try reader.contents(of: "big.txt")
        }
    }
}
