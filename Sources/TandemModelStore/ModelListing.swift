import Foundation

/// What `tandem models list` shows: every known model with its state in the store, and the pairs.
public struct ModelListing: Sendable, Equatable, Codable {
    public struct Model: Sendable, Equatable, Codable {
        public let name: String
        public let summary: String
        /// `installed` (size and stamp match the pin), `unverified` (a file without a valid stamp:
        /// `tandem models pull` checks it) or `missing`.
        public let status: String
        public let present: Bool
        public let sizeBytes: Int64
        public let sha256: String
        public let path: String
        public let packages: [String]

        enum CodingKeys: String, CodingKey {
            case name, summary, status, present, sha256, path, packages
            case sizeBytes = "size_bytes"
        }
    }

    public struct Pair: Sendable, Equatable, Codable {
        public let name: String
        public let summary: String
        public let draft: String
        public let target: String
        public let present: Bool
    }

    public let store: String
    public let models: [Model]
    public let pairs: [Pair]

    /// The listing as JSON (snake_case keys, sorted).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The listing as an aligned table, then the pairs and the store folder.
    public func text() -> String {
        var rows = [["NAME", "SIZE", "STATUS", "PATH"]]
        for model in models {
            rows.append([model.name, ByteCount.format(model.sizeBytes), model.status, model.path])
        }
        let widths = (0..<3).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { c, cell in
                c < 3 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) : cell
            }
            .joined(separator: "  ")
        }
        for pair in pairs {
            lines.append(
                "pair \(pair.name): \(pair.draft) (draft) + \(pair.target) (target)\(pair.present ? "" : ", not all installed")"
            )
        }
        lines.append("store: \(store)")
        return lines.joined(separator: "\n") + "\n"
    }
}
