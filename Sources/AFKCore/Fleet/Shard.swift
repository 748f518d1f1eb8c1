import Foundation

/// `--shard i/n`: the part of the allowlist one of `n` CronJobs (or one index of an Indexed Job,
/// `JOB_COMPLETION_INDEX`) works on. Every repository lands in exactly one shard, decided by a
/// stable hash of its lower-cased `owner/name`, so shards do not move when the list is reordered
/// and adding a repository moves no other.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// 0-based.
    public let index: Int
    public let count: Int

    /// Parses `i/n` with `0 ≤ i < n`; nil otherwise.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let count = Int(parts[1].trimmingCharacters(in: .whitespaces)), count >= 1, index >= 0, index < count
        else { return nil }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether `repo` belongs to this shard.
    public func contains(_ repo: RepoRef) -> Bool {
        Int(Self.fnv1a(repo.slug.lowercased()) % UInt64(count)) == index
    }

    /// The repositories of `repos` in this shard, in their order.
    public func select(_ repos: [RepoRef]) -> [RepoRef] { repos.filter(contains) }

    /// 64-bit FNV-1a: stable across runs and platforms (Swift's `Hasher` is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        return hash
    }
}
