import Base
import CZstd
import Glibc

/// A stream of bytes read front to back.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TaskProblem) -> Int
}

/// The bytes of an open file.
final class FileSource: ByteSource {
    private let fd: Int32
    /// The file's name, for problems.
    let name: String

    init(path: String, name: String) throws(TaskProblem) {
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        self.name = name
        guard fd >= 0 else { throw TaskProblem(file: name, message: "cannot open: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TaskProblem) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw TaskProblem(file: name, message: "cannot read: \(String(cString: strerror(errno)))") }
        }
    }
}

/// The decompressed bytes of a zstd stream (one or more frames), produced only as they are read,
/// so a stream that expands hugely costs nothing past what the reader takes.
final class ZstdSource: ByteSource {
    private let input: FileSource
    private let stream: OpaquePointer
    private let chunk: UnsafeMutableRawBufferPointer
    private var position = 0
    private var filled = 0
    private var inputEnded = false
    /// What the decoder still expects of the current frame; 0 between frames.
    private var pending = 0

    init(_ input: FileSource) throws(TaskProblem) {
        guard let stream = ZSTD_createDStream() else {
            throw TaskProblem(file: input.name, message: "cannot start zstd decompression")
        }
        ZSTD_initDStream(stream)
        self.input = input
        self.stream = stream
        chunk = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDStream(stream)
        chunk.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TaskProblem) -> Int {
        while true {
            if position == filled, !inputEnded {
                filled = try input.read(into: chunk)
                position = 0
                inputEnded = filled == 0
            }
            var source = ZSTD_inBuffer(src: chunk.baseAddress, size: filled, pos: position)
            var target = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let result = ZSTD_decompressStream(stream, &target, &source)
            if ZSTD_isError(result) != 0 {
                throw TaskProblem(file: input.name, message: "not a valid zstd stream: \(String(cString: ZSTD_getErrorName(result)))",
                                  hint: "compress the tar archive with zstd, e.g. tar -cf - NAME | zstd > NAME.tar.zst")
            }
            position = source.pos
            pending = result
            if target.pos > 0 { return target.pos }
            if inputEnded, position == filled {
                guard pending == 0 else {
                    throw TaskProblem(file: input.name, message: "the zstd stream is truncated",
                                      hint: "the file was cut short; compress and submit it again")
                }
                return 0
            }
        }
    }
}
