import AFKCore
import Testing

/// `priority:N` labels: the lowest non-negative N wins; anything else is no priority.
struct PriorityTests {
    @Test(
        arguments: [
            (["priority:0"], 0),
            (["priority:1"], 1),
            (["priority:5"], 5),
            (["priority:10"], 10),
            (["priority:007"], 7),
            (["priority: 2"], 2),
            (["priority:2 "], 2),
            (["priority:\t3"], 3),
            (["Priority:3"], 3),
            (["PRIORITY:4"], 4),
            (["priority:4", "priority:2"], 2),
            (["priority:2", "priority:4"], 2),
            (["bug", "priority:9", "good first issue"], 9),
            (["priority:high", "priority:6"], 6),
            (["priority:1", "priority:1"], 1),
            // Not priorities.
            ([], nil),
            (["bug"], nil),
            (["priority"], nil),
            (["priority:"], nil),
            (["priority: "], nil),
            (["priority:high"], nil),
            (["priority:-1"], nil),
            (["priority:+1"], nil),
            (["priority:1.5"], nil),
            (["priority:1x"], nil),
            (["priority:1 2"], nil),
            (["priority:١"], nil),  // non-ASCII digit
            (["priority:１"], nil),  // full-width digit
            (["priority:99999999999999999999999"], nil),
            (["priority=1"], nil),
            (["priority 1"], nil),
            (["p:1"], nil),
            ([" priority:1"], nil),
            (["my-priority:1"], nil),
            (["priorities:1"], nil),
        ] as [([String], Int?)]
    )
    func priority(labels: [String], expected: Int?) {
        #expect(Priority.of(labels: labels) == expected, "\(labels)")
    }

    @Test func theResultDoesNotDependOnLabelOrder() {
        let labels = ["priority:7", "bug", "priority:3", "priority:x", "priority:12"]
        for rotation in labels.indices {
            let rotated = Array(labels[rotation...] + labels[..<rotation])
            #expect(Priority.of(labels: rotated) == 3)
            #expect(Priority.of(labels: rotated.reversed()) == 3)
        }
    }
}
