import Foundation

/// Control of the simulated one-shot runtimes: the claude-agent-service job runner (`/jobs`)
/// and Claudomator (`/claudomator`). Faults (an unreachable runner, 5xx) are injected with
/// ``Simulator/inject(_:)`` and `service: .jobs` or `.claudomator`.
extension Simulator {
    // MARK: Job runner

    /// Every job the simulated job runner received, oldest first (vanished ones included, with
    /// ``SimJob/gone`` set).
    public func jobs() async -> [SimJob] {
        await state.jobs.jobs
    }

    /// Sets a job's `status` (`queued`, `running`, `completed`, `failed`, `timeout`, `error`, or
    /// anything else to test an unknown one); a vanished job comes back.
    /// - Returns: false when no job has that id.
    @discardableResult
    public func setJobStatus(_ id: String, _ status: String) async -> Bool {
        await state.updateRunners { jobs, _, now in jobs.force(id, status: status, now: now) }
    }

    /// Evicts one job, as `JOB_TTL_SECONDS` does: it answers 404 `Job not found` from then on.
    /// - Returns: false when no job has that id.
    @discardableResult
    public func evictJob(_ id: String) async -> Bool {
        await state.updateRunners { jobs, _, _ in
            guard let k = jobs.jobs.firstIndex(where: { $0.id == id }) else { return false }
            jobs.jobs[k].gone = true
            return true
        }
    }

    /// Restarts the runner: jobs live in memory only, so every job answers 404 from then on.
    public func restartJobRunner() async {
        await state.updateRunners { jobs, _, _ in
            for k in jobs.jobs.indices { jobs.jobs[k].gone = true }
        }
    }

    // MARK: Claudomator

    /// Every task the simulated Claudomator received, oldest first (deleted ones included, with
    /// ``SimTask/gone`` set).
    public func claudomatorTasks() async -> [SimTask] {
        await state.claudomator.tasks
    }

    /// Sets a task's state (e.g. `READY`, `BLOCKED`, `CANCELLED`, which no script reaches); a
    /// deleted task comes back.
    /// - Returns: false when no task has that id.
    @discardableResult
    public func setClaudomatorTaskState(_ id: String, _ state: String) async -> Bool {
        await self.state.updateRunners { _, claudomator, _ in claudomator.force(id, state: state) }
    }

    /// Deletes a task: 404 from then on, and absent from `GET /api/tasks`.
    /// - Returns: false when no task has that id.
    @discardableResult
    public func deleteClaudomatorTask(_ id: String) async -> Bool {
        await state.updateRunners { _, claudomator, _ in
            guard let k = claudomator.tasks.firstIndex(where: { $0.id == id }) else { return false }
            claudomator.tasks[k].gone = true
            return true
        }
    }

    // MARK: Both

    /// The script jobs and tasks for `issue` (`owner/name#N`) follow when submitted from now on,
    /// on both runtimes (the `scripts` scenario key).
    public func setRunnerScript(_ script: RunnerScript, forIssue issue: String) async {
        await state.updateRunners { jobs, claudomator, _ in
            jobs.scenario.scripts[issue] = script
            claudomator.scenario.scripts[issue] = script
        }
    }
}

extension SimulatorState {
    /// Runs `body` on the two runner worlds, then lands any commits it made scripted agents push.
    func updateRunners<T>(_ body: (inout JobRunnerWorld, inout ClaudomatorWorld, Date) -> T) -> T {
        let now = Date()
        jobs.pushGuard = forge.pushGuard
        let result = body(&jobs, &claudomator, now)
        for (push, refusal) in applyPushes(jobs.pendingPushes + claudomator.pendingPushes, now: now) {
            jobs.pushRefused(push.origin, text: push.refusedText(refusal))
        }
        jobs.pendingPushes.removeAll()
        claudomator.pendingPushes.removeAll()
        return result
    }
}
