import Glibc

extension FileSystem {
    /// Gives each entry of the folder `path` whose name is not valid UTF-8 a name that is: every byte
    /// of 0x80 and above, and every control byte and '%', written as %XX ("caf\\xE9" becomes "caf%E9"),
    /// with "-2", "-3", ... added when that name is taken. Such an entry could otherwise be neither
    /// named in messages nor claimed. Returns the new names.
    public static func renameUndecodableEntries(in path: String) throws(FileError) -> [String] {
        let folder = Array(path.utf8)
        var renamed: [String] = []
        for raw in try rawEntries(of: folder) where String(validating: raw, as: UTF8.self) == nil {
            let escaped = escapedName(raw)
            for attempt in 1...100 {
                let name = attempt == 1 ? escaped : "\(escaped)-\(attempt)"
                let result = try renameNoReplace(raw: folder + [0x2F] + raw, to: path + "/" + name)
                if result == .targetExists { continue }
                if result == .renamed { renamed.append(name) }
                break
            }
        }
        return renamed
    }

    /// `raw` with each byte outside printable ASCII, and '%', as %XX.
    static func escapedName(_ raw: [UInt8]) -> String {
        raw.map { byte in
            (0x20..<0x7F).contains(byte) && byte != 0x25
                ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }.joined()
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
