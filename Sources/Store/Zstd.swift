import CZstd
import Foundation

/// Single-frame zstd compression through the C API.
public enum Zstd {
    /// The largest frame content `decompress` accepts by default: 1 GiB, SQLite's own blob limit.
    public static let defaultMaxDecompressedSize = 1 << 30

    private static let contentSizeUnknown = UInt64.max
    private static let contentSizeError = UInt64.max - 1

    /// Compresses `data` into one frame that records its content size.
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        if ZSTD_isError(bound) != 0 {
            throw StoreError.zstd("cannot compress \(data.count) bytes: \(errorName(bound))")
        }
        var output = Data(count: bound)
        let written = output.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        if ZSTD_isError(written) != 0 { throw StoreError.zstd("compression failed: \(errorName(written))") }
        output.count = written
        return output
    }

    /// The content size a frame declares, checked against `maxSize`, without decompressing it.
    public static func contentSize(of frame: Data, maxSize: Int = defaultMaxDecompressedSize) throws -> Int {
        let size = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        switch size {
        case contentSizeError:
            throw StoreError.zstd("not a zstd frame (\(frame.count) bytes)")
        case contentSizeUnknown:
            throw StoreError.zstd("the frame does not record its content size")
        case let size where size > UInt64(maxSize):
            throw StoreError.zstd("the frame holds \(size) bytes, more than the limit of \(maxSize)")
        default:
            return Int(size)
        }
    }

    /// Decompresses a frame written by `compress`; refuses frames declaring more than `maxSize` bytes.
    public static func decompress(_ frame: Data, maxSize: Int = defaultMaxDecompressedSize) throws -> Data {
        let size = try contentSize(of: frame, maxSize: maxSize)
        var output = Data(count: max(size, 1))
        let written = output.withUnsafeMutableBytes { dst in
            frame.withUnsafeBytes { src in
                ZSTD_decompress(dst.baseAddress, size, src.baseAddress, src.count)
            }
        }
        if ZSTD_isError(written) != 0 { throw StoreError.zstd("decompression failed: \(errorName(written))") }
        if written != size {
            throw StoreError.zstd("the frame declares \(size) bytes but holds \(written)")
        }
        output.count = size
        return output
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }
}
