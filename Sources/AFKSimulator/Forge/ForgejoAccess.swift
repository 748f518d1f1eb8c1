/// Access modes as `perm.AccessMode` orders them; ``name`` is `AccessMode.String()`.
enum ForgejoAccess: Int, Comparable, Sendable {
    case none = 0
    case read, write, admin, owner

    var name: String {
        switch self {
        case .none: "none"
        case .read: "read"
        case .write: "write"
        case .admin: "admin"
        case .owner: "owner"
        }
    }

    static func < (a: ForgejoAccess, b: ForgejoAccess) -> Bool { a.rawValue < b.rawValue }
}
