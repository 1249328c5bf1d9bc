import Glibc

/// Job owners as people name them: user names where the system knows the uid.
public enum JobOwner {
    /// "alice", or "uid 4242" for a uid without a user, or "-" for a job recorded without an owner.
    /// Safe from any thread (getpwuid_r).
    public static func name(_ uid: Int?) -> String {
        guard let uid else { return "-" }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid_t(uid), &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return "uid \(uid)"
        }
        return String(cString: name)
    }

    /// The uid of a user given by name or number.
    public static func uid(_ text: String) throws -> Int {
        if let uid = Int(text), uid >= 0 { return uid }
        guard let entry = getpwnam(text) else {
            throw ActionableError("no user \(text) on this machine", hint: "give a user name or a numeric uid")
        }
        return Int(entry.pointee.pw_uid)
    }
}
