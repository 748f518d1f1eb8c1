import Foundation

extension Simulator {
    /// Every job the simulated job runner received, oldest first.
    public func jobs() async -> [SimJob] {
        await state.jobs.jobs
    }

    /// Every task the simulated Claudomator received, oldest first.
    public func claudomatorTasks() async -> [SimTask] {
        await state.claudomator.tasks
    }
}
