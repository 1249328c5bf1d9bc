import Foundation

/// An append-only log file that stops growing at `limit` bytes, with one line saying it was cut.
final class CappedLog {
    private let handle: FileHandle?
    private let limit: Int
    private var written = 0
    private var cut = false

    init(path: String, limit: Int) {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        handle = FileHandle(forWritingAtPath: path)
        written = Int((try? handle?.seekToEnd()) ?? 0)
        self.limit = limit
    }

    deinit { try? handle?.close() }

    func append(_ data: Data) {
        guard !data.isEmpty, !cut, let handle else { return }
        let room = limit - written
        if data.count <= room {
            handle.write(data)
            written += data.count
        } else {
            handle.write(data.prefix(max(0, room)))
            handle.write(Data("\n[worker.log cut at \(limit) bytes]\n".utf8))
            written = limit
            cut = true
        }
    }
}
