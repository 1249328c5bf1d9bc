import Base
import Foundation

/// The content hash of a bundle: SHA-256 over every regular file in it, in path order, each as its
/// relative path, a NUL, its size, a NUL and its bytes. Two drops of the same bundle hash alike
/// whatever their folder name or file times.
public enum BundleDigest {
    public static func sha256(of root: URL) throws -> String {
        let base = root.resolvingSymlinksInPath()
        let prefix = base.path.hasSuffix("/") ? base.path : base.path + "/"
        var files: [String] = []
        if let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                    files.append(String(url.resolvingSymlinksInPath().path.dropFirst(prefix.count)))
                }
            }
        }
        var hasher = ContentHash.Hasher()
        for file in files.sorted() {
            let data = try Data(contentsOf: base.appendingPathComponent(file), options: .mappedIfSafe)
            hasher.update(data: Data("\(file)\0\(data.count)\0".utf8))
            hasher.update(data: data)
        }
        return hasher.finalizeHex()
    }
}
