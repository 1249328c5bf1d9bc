import Base
import Foundation
import Glibc

/// Unpacks an archived bundle, refusing whatever could reach outside it or exhaust the disk.
struct ArchiveExtractor {
    let limits: ArchiveLimits
    /// The archive's file name, for problems.
    let archive: String
    /// The folder being filled.
    let root: String

    /// Problems listed before the rest are left out.
    static let maxProblems = 50

    /// Reads every entry of `reader`, writing files and folders under `root` until a problem is
    /// found and only listing problems from then on; stops at the first that makes the rest
    /// unreadable or breaks a limit.
    func run(_ reader: TarReader) throws(TaskProblems) {
        var problems: [TaskProblem] = []
        var total = 0
        var seen: Set<String> = []
        var folders: [String] = [root]
        do throws(TaskProblem) {
            while problems.count < Self.maxProblems, let entry = try reader.next() {
                let shown = Self.shown(entry.name)
                guard entry.size <= limits.maxTotalBytes - total else {
                    problems.append(problem(shown, "would unpack past \(ByteCount(limits.maxTotalBytes))",
                                            hint: "a bundle may hold at most \(ByteCount(limits.maxTotalBytes)) of files in all"))
                    break
                }
                total += entry.size
                guard let path = check(entry, shown: shown, problems: &problems) else { continue }
                if entry.type == UInt8(ascii: "5") || path.hasSuffix("/") {
                    let name = path.hasSuffix("/") ? String(path.dropLast()) : path
                    if !name.isEmpty, problems.isEmpty {
                        try makeFolders(name, shown: shown, folders: &folders)
                    }
                    continue
                }
                guard seen.insert(path).inserted else {
                    problems.append(problem(shown, "appears twice in the archive", hint: "archive each file once"))
                    continue
                }
                if problems.isEmpty {
                    try write(path, shown: shown, from: reader, folders: &folders)
                }
            }
        } catch {
            problems.append(error)
        }
        guard problems.isEmpty else { throw TaskProblems(problems) }
        do throws(FileError) {
            for folder in folders.reversed() { try AtomicFile.syncDirectory(folder) }
        } catch {
            throw TaskProblems([TaskProblem(file: archive, message: error.description)])
        }
    }

    /// The entry's relative path when it may be unpacked, else nil with a problem added.
    private func check(_ entry: TarEntry, shown: String, problems: inout [TaskProblem]) -> String? {
        let kind: String? = switch entry.type {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"), UInt8(ascii: "5"): nil
        case UInt8(ascii: "1"): "is a hard link"
        case UInt8(ascii: "2"): "is a symbolic link"
        case UInt8(ascii: "3"), UInt8(ascii: "4"): "is a device"
        case UInt8(ascii: "6"): "is a FIFO"
        default: "has an unsupported tar entry type '\(String(decoding: [entry.type], as: UTF8.self))'"
        }
        if let kind {
            problems.append(problem(shown, kind, hint: "an archived bundle holds regular files and folders only"))
            return nil
        }
        guard let name = String(validating: entry.name, as: UTF8.self), !name.contains("\0") else {
            problems.append(problem(shown, "has a name that is not valid UTF-8", hint: "rename the file with UTF-8 characters"))
            return nil
        }
        let relative = "archive the bundle with relative paths: tar -C PARENT -cf NAME.tar NAME"
        if name.hasPrefix("/") {
            problems.append(problem(shown, "has an absolute path", hint: relative))
            return nil
        }
        let components = name.split(separator: "/").filter { $0 != "." }
        if components.contains("..") {
            problems.append(problem(shown, "has a .. component", hint: relative))
            return nil
        }
        guard components.count <= limits.maxDepth else {
            problems.append(problem(shown, "is nested \(components.count) levels deep; the limit is \(limits.maxDepth)"))
            return nil
        }
        let path = components.joined(separator: "/")
        return name.hasSuffix("/") && !path.isEmpty ? path + "/" : path
    }

    /// Makes the folder `path` and the folders on the way to it, each a real folder (never a
    /// link: nothing else is ever created here).
    private func makeFolders(_ path: String, shown: String, folders: inout [String]) throws(TaskProblem) {
        var current = root
        for component in path.split(separator: "/") {
            current += "/" + component
            do {
                if try FileSystem.makeDirectory(current, mode: 0o755) { folders.append(current) }
            } catch {
                throw problem(shown, "cannot be unpacked: \(error.message)")
            }
        }
    }

    /// Writes the current entry's data to `root/path`, fsynced.
    private func write(_ path: String, shown: String, from reader: TarReader, folders: inout [String]) throws(TaskProblem) {
        if let slash = path.lastIndex(of: "/") {
            try makeFolders(String(path[..<slash]), shown: shown, folders: &folders)
        }
        let target = root + "/" + path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw problem(shown, errno == EEXIST ? "clashes with a folder of the same name"
                                                 : "cannot be unpacked: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.readData(into: buffer)
            if count == 0 { break }
            var written = 0
            while written < count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, count - written)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw problem(shown, "cannot be unpacked: \(String(cString: strerror(errno)))") }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw problem(shown, "cannot be unpacked: \(String(cString: strerror(errno)))") }
    }

    private func problem(_ entry: String, _ message: String, hint: String? = nil) -> TaskProblem {
        TaskProblem(file: archive, message: "entry \(entry) \(message)", hint: hint)
    }

    /// An entry name for messages: quoted, with bytes that are not UTF-8 shown as `\xNN`.
    static func shown(_ name: [UInt8]) -> String {
        if let text = String(validating: name, as: UTF8.self) { return "\"\(text)\"" }
        return "\"" + name.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined() + "\""
    }
}
