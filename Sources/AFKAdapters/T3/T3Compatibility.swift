/// What afk sends that only some T3 servers accept, and the version each needs. Pure; the
/// versions are T3's release notes (https://github.com/pingdotgg/t3code/releases): `runtimeMode:
/// "auto"` arrived in 0.0.29, and older servers reject a command carrying it with a bare 400.
enum T3Compatibility {
    struct Requirement: Hashable {
        /// What afk would send, in the configuration's words.
        let feature: String
        /// The configuration key that asks for it, and a value that works everywhere.
        let key: String
        let fallback: String
        /// The oldest server version that accepts it.
        let since: [Int]
    }

    /// What `executor.runtime_mode` requires of the server, if anything.
    static func requirement(runtimeMode: String) -> Requirement? {
        guard runtimeMode == "auto" else { return nil }
        return Requirement(
            feature: "runtime mode auto",
            key: "executor.runtime_mode",
            fallback: "full-access",
            since: [0, 0, 29]
        )
    }

    /// Why a server of `serverVersion` cannot take `requirement`, or nil when it can.
    static func problem(_ requirement: Requirement, serverVersion: [Int]) -> String? {
        guard serverVersion.lexicographicallyPrecedes(requirement.since) else { return nil }
        let needed = requirement.since.map(String.init).joined(separator: ".")
        let has = serverVersion.map(String.init).joined(separator: ".")
        return
            "\(requirement.key) is \(requirement.feature.split(separator: " ").last ?? ""), which T3 accepts from \(needed); "
            + "the server is \(has): upgrade T3 or set \(requirement.key) to \(requirement.fallback)"
    }

    /// `0.0.31`, `v0.0.29-nightly.20260723.882` → `[0, 0, 31]`; nil when it is not a version.
    static func version(_ text: String) -> [Int]? {
        let core = text.drop { !$0.isNumber }.prefix { $0.isNumber || $0 == "." }
        let numbers = core.split(separator: ".").prefix(3).compactMap { Int($0) }
        return numbers.count == 3 ? numbers : nil
    }
}
