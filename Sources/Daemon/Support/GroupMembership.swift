import Glibc

/// Who belongs to a Unix group, from the system's user and group databases (NSS).
public enum GroupMembership {
    /// Whether user `uid` is in group `gid`, as its primary group or a supplementary one.
    public static func isMember(uid: uid_t, of gid: gid_t) -> Bool {
        guard let user = getpwuid(uid) else { return false }
        let primary = user.pointee.pw_gid
        if primary == gid { return true }
        let name = String(cString: user.pointee.pw_name)
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(gid)
    }

    /// The group named `name` (or given by number), nil when there is none.
    public static func group(named name: String) -> gid_t? {
        if let entry = getgrnam(name) { return entry.pointee.gr_gid }
        guard let number = UInt32(name), getgrgid(number) != nil else { return nil }
        return number
    }
}
