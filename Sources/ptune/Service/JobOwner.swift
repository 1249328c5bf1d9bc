import Base
import Glibc

/// Job owners as people name them: user names where the system knows the uid.
enum JobOwner {
    /// "alice", or "uid 4242" for a uid without a user, or "-" for a job recorded without an owner.
    static func name(_ uid: Int?) -> String {
        guard let uid else { return "-" }
        guard let entry = getpwuid(uid_t(uid)), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }

    /// The uid of a user given by name or number.
    static func uid(_ text: String) throws -> Int {
        if let uid = Int(text), uid >= 0 { return uid }
        guard let entry = getpwnam(text) else {
            throw ActionableError("no user \(text) on this machine", hint: "give a user name or a numeric uid")
        }
        return Int(entry.pointee.pw_uid)
    }
}
