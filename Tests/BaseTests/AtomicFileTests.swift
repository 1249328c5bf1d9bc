import Base
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct AtomicFileTests {
    @Test func replacesTheFileWholeAndLeavesNoTemporary() throws {
        let folder = TestEnvironment.temporaryDirectory("atomic")
        let path = folder.path + "/report.json"
        try AtomicFile.write(Data("old".utf8), to: path)
        try AtomicFile.write(Data("new contents".utf8), to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new contents")
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func aFailingWriterLeavesTheOldFileAndNoTemporary() throws {
        struct Stop: Error {}
        let folder = TestEnvironment.temporaryDirectory("atomic")
        let path = folder.path + "/state"
        try AtomicFile.write(Data("kept".utf8), to: path)
        #expect(throws: Stop.self) {
            try AtomicFile.write(to: path) { sink in
                try sink.write(Data("half".utf8))
                throw Stop()
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kept")
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    @Test func aMissingFolderIsAnErrorNamingThePath() {
        let path = "/nonexistent-\(UUID().uuidString)/file"
        do {
            try AtomicFile.write(Data(), to: path)
            Issue.record("wrote into a missing folder")
        } catch let error as FileError {
            #expect(error.code == ENOENT)
            #expect(error.description.contains(path + ".tmp"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct AtomicFileLinkTests {
    @Test func aLinkPlantedAtTheTemporaryNameIsReplacedNotFollowed() throws {
        let folder = TestEnvironment.temporaryDirectory("atomic").path
        let target = folder + "/precious"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target))
        #expect(symlink(target, folder + "/reason.json.tmp") == 0)
        try AtomicFile.write(Data("{}".utf8), to: folder + "/reason.json")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        #expect(try String(contentsOfFile: folder + "/reason.json", encoding: .utf8) == "{}")
        var info = stat()
        #expect(lstat(folder + "/reason.json", &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    }

    @Test func aTemporaryLeftByACrashIsReplaced() throws {
        let folder = TestEnvironment.temporaryDirectory("atomic").path
        try Data("half written".utf8).write(to: URL(fileURLWithPath: folder + "/state.tmp"))
        try AtomicFile.write(Data("whole".utf8), to: folder + "/state")
        #expect(try String(contentsOfFile: folder + "/state", encoding: .utf8) == "whole")
        #expect(!FileManager.default.fileExists(atPath: folder + "/state.tmp"))
    }
}
