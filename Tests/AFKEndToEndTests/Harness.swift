import Foundation

// The world builder, the in-process tick runner and the binary launcher live in AFKTesting
// (`World`, `InProcessTick`, `Binaries`); this file keeps what only these suites use.

/// `items` without repeats, in first-seen order.
func uniqued(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
