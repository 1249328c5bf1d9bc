import Base
import Foundation
import Glibc

/// The content hash of a bundle: SHA-256 over every regular file in it, in path order, each as its
/// relative path, a NUL, its size, a NUL and its bytes. Two drops of the same bundle hash alike
/// whatever their folder name or file times. Links and other non-regular entries do not count, and
/// the tree is read through directory descriptors (`DirectoryTree`), never following a link.
public enum BundleDigest {
    public static func sha256(of root: URL) throws -> String {
        var hasher = ContentHash.Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for file in try DirectoryTree.regularFiles(under: root.path) {
            let fd = try DirectoryTree.openRegularFile(file, under: root.path)
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw FileError.system("stat", root.path + "/" + file) }
            hasher.update(data: Data("\(file)\0\(info.st_size)\0".utf8))
            var left = Int(info.st_size)
            while left > 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, left)) }
                guard count > 0 else {
                    throw FileError(path: root.path + "/" + file, message: "\(file) changed while it was read")
                }
                hasher.update(data: Data(buffer[0..<count]))
                left -= count
            }
        }
        return hasher.finalizeHex()
    }
}
