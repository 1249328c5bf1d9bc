import Base
import Glibc
import Testing

@Suite struct FileErrorTests {
    @Test func aSystemErrorNamesTheOperationThePathAndTheReason() {
        let error = FileError.system("rename a to", "/spool/b", code: EACCES)
        #expect(error.description == "cannot rename a to /spool/b: Permission denied")
        #expect(error.code == EACCES)
        #expect(error.hint == nil)
    }

    @Test func aFullDiskSaysWhatToDo() {
        let error = FileError.system("write", "/spool/x.tmp", code: ENOSPC)
        #expect(error.description == "cannot write /spool/x.tmp: No space left on device (free some disk space and retry)")
    }
}
