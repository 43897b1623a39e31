import Foundation

/// The bundled pair under Models/ (the target serves in `tandem serve` subprocesses; the draft runs here).
package enum Bundled {
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    package static var target: String { root.appendingPathComponent("Models/target.gguf").path }
    package static var draft: String { root.appendingPathComponent("Models/draft.gguf").path }
}
