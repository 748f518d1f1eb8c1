import Foundation

/// Control of the deploy-stage services: Woodpecker pipelines (``woodpeckerURL``) and Kubernetes
/// Deployments (``kubernetesURL``). Pushes (``pushCommit(_:_:branch:message:sha:committedAt:author:)`` and
/// the scripted agents') already feed both through the scenario's `auto` and `on_push` rules; these
/// methods change them by hand.
extension Simulator {
    /// The Woodpecker operations the simulator serves, as `METHOD /template` relative to the API base
    /// path `/api` (a test checks each against `woodpecker-swagger.json`).
    public static var woodpeckerRoutes: [String] { WoodpeckerWorld.router.operations }

    /// The Kubernetes operations the simulator serves, as `METHOD /path-template`.
    public static var kubernetesRoutes: [String] { KubernetesWorld.router.operations }

    // MARK: Woodpecker

    /// The pipelines of Woodpecker repository `owner/name`, newest first; empty when unknown.
    public func woodpeckerPipelines(_ owner: String, _ name: String) async -> [WoodpeckerSimPipeline] {
        await state.woodpeckerPipelines(owner, name)
    }

    /// Adds a pipeline (the next number) to Woodpecker repository `owner/name`.
    /// - Returns: Its number, or nil when the repository does not exist.
    @discardableResult
    public func addWoodpeckerPipeline(
        _ owner: String,
        _ name: String,
        commit: String,
        status: String,
        event: String = "push",
        branch: String? = nil
    ) async -> Int64? {
        await state.addWoodpeckerPipeline(
            owner,
            name,
            WoodpeckerSimPipeline(commit: commit, branch: branch ?? "", event: event, status: status)
        )
    }

    /// Sets the status of the newest pipeline for `commit` (any letter case) in `owner/name`; a scheduled
    /// change (`auto.after_reads`) is cancelled.
    /// - Returns: false when there is no such pipeline.
    @discardableResult
    public func setWoodpeckerPipelineStatus(_ owner: String, _ name: String, commit: String, status: String) async
        -> Bool
    {
        await state.setWoodpeckerPipelineStatus(owner, name, commit: commit, status: status)
    }

    // MARK: Kubernetes

    /// The Deployment `namespace/name`, if it exists.
    public func deployment(namespace: String, name: String) async -> KubeSimDeployment? {
        await state.deployment(namespace, name)
    }

    /// Creates or replaces the Deployment with `deployment`'s namespace and name.
    public func putDeployment(_ deployment: KubeSimDeployment) async {
        await state.putDeployment(deployment)
    }

    /// Starts a rollout of `image` on `namespace/name`, going as its `on_push` rule says.
    /// - Returns: false when the Deployment does not exist.
    @discardableResult
    public func rollOut(namespace: String, name: String, image: String) async -> Bool {
        await state.mutateDeployment(namespace, name) { $0.startRollout(image: image) }
    }

    /// Ends the in-flight rollout of `namespace/name` now with `outcome` (`complete`, `deadline_exceeded`,
    /// or `never` to leave it rolling).
    /// - Returns: false when the Deployment does not exist.
    @discardableResult
    public func finishRollout(namespace: String, name: String, outcome: String = "complete") async -> Bool {
        await state.mutateDeployment(namespace, name) { deployment in
            deployment.onPush.outcome = outcome
            deployment.finishRollout()
        }
    }

    /// Adds, replaces (`access` non-nil) or revokes (`nil`) a Kubernetes bearer token.
    public func setKubernetesToken(_ token: String, _ access: KubeSimToken?) async {
        await state.setKubernetesToken(token, access)
    }
}

extension SimulatorState {
    func woodpeckerPipelines(_ owner: String, _ name: String) -> [WoodpeckerSimPipeline] {
        guard let r = woodpecker.repoIndex(owner, name) else { return [] }
        return woodpecker.scenario.repos[r].pipelines.sorted { $0.number > $1.number }
    }

    func addWoodpeckerPipeline(_ owner: String, _ name: String, _ pipeline: WoodpeckerSimPipeline) -> Int64? {
        guard let r = woodpecker.repoIndex(owner, name) else { return nil }
        return woodpecker.addPipeline(repo: r, pipeline)
    }

    func setWoodpeckerPipelineStatus(_ owner: String, _ name: String, commit: String, status: String) -> Bool {
        guard let r = woodpecker.repoIndex(owner, name) else { return false }
        let pipelines = woodpecker.scenario.repos[r].pipelines
        guard
            let p = pipelines.indices.filter({ pipelines[$0].commit.lowercased() == commit.lowercased() })
                .max(by: { pipelines[$0].number < pipelines[$1].number })
        else { return false }
        woodpecker.scenario.repos[r].pipelines[p].status = status
        woodpecker.scenario.repos[r].pipelines[p].thenStatus = nil
        woodpecker.scenario.repos[r].pipelines[p].afterReads = 0
        return true
    }

    func deployment(_ namespace: String, _ name: String) -> KubeSimDeployment? {
        kubernetes.index(namespace, name).map { kubernetes.scenario.deployments[$0] }
    }

    func putDeployment(_ deployment: KubeSimDeployment) {
        if let d = kubernetes.index(deployment.namespace, deployment.name) {
            kubernetes.scenario.deployments[d] = deployment
        } else {
            kubernetes.scenario.deployments.append(deployment)
        }
    }

    func mutateDeployment(_ namespace: String, _ name: String, _ body: (inout KubeSimDeployment) -> Void) -> Bool {
        guard let d = kubernetes.index(namespace, name) else { return false }
        body(&kubernetes.scenario.deployments[d])
        return true
    }

    func setKubernetesToken(_ token: String, _ access: KubeSimToken?) {
        kubernetes.scenario.tokens[token] = access
    }
}
