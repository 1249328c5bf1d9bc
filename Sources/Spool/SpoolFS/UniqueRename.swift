import Base

extension FileSystem {
    /// Renames `source` into the folder `directory` as `name`, or as the first free variant of it
    /// (`NAME-2`, `NAME-3`, ...; archives keep their extension: `x-2.tar.zst`). Returns the name
    /// used, or nil when `source` was not there.
    static func renameUnique(_ source: String, into directory: String, as name: String) throws(FileError) -> String? {
        var attempt = 1
        while true {
            let candidate = BundleName.variant(of: name, number: attempt)
            switch try renameNoReplace(source, directory + "/" + candidate) {
            case .renamed: return candidate
            case .sourceMissing: return nil
            case .targetExists: attempt += 1
            }
        }
    }

    /// The first of `NAME`, `NAME-2`, `NAME-3`, ... (`BundleName.variant`) that nothing in the folder
    /// `directory` is named.
    static func freeName(for name: String, in directory: String) throws(FileError) -> String {
        var attempt = 1
        while try status(directory + "/" + BundleName.variant(of: name, number: attempt)) != nil { attempt += 1 }
        return BundleName.variant(of: name, number: attempt)
    }
}
