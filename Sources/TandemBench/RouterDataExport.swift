import Foundation
import TandemDecoding
import TandemModel
import TandemSampling
import TandemTokenizer

/// `tandem bench router-data`: the training data of a learned router, from completions of the tuning
/// problems (HumanEval 0–79).
///
/// For every completion token the draft is teacher-forced on prompt + completion: a row of features
/// (its final-norm hidden state and its three confidence scores, as `LearnedRouter.features` builds
/// them) and a label, 1 when the target's argmax at that position (also teacher-forced) equals the
/// draft's, 0 otherwise. Written to a directory as `features.f32` (rows × features, little-endian
/// float32), `labels.u8` (one byte a row) and `meta.json` (shape, score columns, each row's problem),
/// which `tools/router/train_router.py` reads.
public struct RouterDataExport: Sendable {
    /// A completion of one problem.
    public struct Item: Sendable {
        public var problem: HumanEvalProblem
        public var completion: String

        public init(problem: HumanEvalProblem, completion: String) {
            self.problem = problem
            self.completion = completion
        }
    }

    /// What was written.
    public struct Summary: Sendable, Codable {
        public var rows: Int
        public var featureCount: Int
        public var hiddenSize: Int
        /// Share of rows where the target agrees with the draft.
        public var agreement: Double
        public var problems: Int
        public var directory: String

        enum CodingKeys: String, CodingKey {
            case rows, problems, agreement, directory
            case featureCount = "feature_count"
            case hiddenSize = "hidden_size"
        }
    }

    public var draftPath: String
    public var targetPath: String
    public var items: [Item]
    public var directory: String
    public var threads: Int
    /// How the problems were put to the draft when it wrote the completions.
    public var format: HumanEvalPromptFormat

    public init(
        draftPath: String, targetPath: String, items: [Item], directory: String, threads: Int = 1,
        format: HumanEvalPromptFormat = .raw
    ) {
        self.format = format
        self.draftPath = draftPath
        self.targetPath = targetPath
        self.items = items
        self.directory = directory
        self.threads = threads
    }

    /// The items of `problems` that `path` (JSON Lines with task_id and completion) has a completion
    /// for, in the problems' order.
    /// - Throws: `BenchPromptError` for an unreadable file, a malformed line, or no completions at all.
    public static func items(completionsFile path: String, problems: [HumanEvalProblem]) throws(BenchPromptError)
        -> [Item]
    {
        struct Line: Decodable {
            var task_id: String
            var completion: String
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        var byTask: [String: String] = [:]
        for (i, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)) else {
                throw .malformed(path: path, line: i + 1, reason: "not a completion (task_id, completion)")
            }
            byTask[parsed.task_id] = parsed.completion
        }
        let out = problems.compactMap { p in byTask[p.taskID].map { Item(problem: p, completion: $0) } }
        guard !out.isEmpty else { throw .empty(path: path) }
        return out
    }

    /// Teacher-forces both models on every item and writes the three files.
    public func run(progress: @Sendable (String) -> Void = { _ in }) throws -> Summary {
        let draft = try Model(path: draftPath, threads: threads)
        let target = try Model(path: targetPath, threads: threads)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let hiddenSize = draft.config.embeddingLength
        let featureCount = hiddenSize + LearnedRouter.scores.count
        var features = Data()
        var labels = Data()
        var rowProblems: [Int] = []
        var agreed = 0
        for (index, item) in items.enumerated() {
            let prompt = try format.promptIDs(item.problem, tokenizer: tokenizer)
            let completion = tokenizer.encode(item.completion, addBOS: false)
            guard !prompt.isEmpty, !completion.isEmpty else { continue }
            // Rows predicting each completion token: the prompt's last position, then the completion's.
            let scored = [prompt[prompt.count - 1]] + completion.dropLast()
            let draftSession = draft.makeSession()
            try draftSession.append(Array(prompt.dropLast()), logits: .none)
            let draftOut = try draftSession.append(scored, logits: .all)
            let targetSession = target.makeSession()
            try targetSession.append(Array(prompt.dropLast()), logits: .none)
            let targetOut = try targetSession.append(scored, logits: .all)
            guard draftOut.logits.count == scored.count, draftOut.hiddenStates.count == scored.count,
                targetOut.logits.count == scored.count
            else {
                throw GenerationError.invalidModelOutput("a teacher-forced pass returned the wrong number of rows")
            }
            for row in 0..<scored.count {
                let values = LearnedRouter.features(
                    hidden: draftOut.hiddenStates[row], probabilities: ConfidenceScore.softmax(draftOut.logits[row]))
                guard values.count == featureCount else {
                    throw GenerationError.invalidModelOutput(
                        "\(values.count) router features, expected \(featureCount)")
                }
                values.withUnsafeBufferPointer { features.append(contentsOf: UnsafeRawBufferPointer($0)) }
            }
            for row in 0..<scored.count {
                let agree = Sampler.argmax(draftOut.logits[row]) == Sampler.argmax(targetOut.logits[row])
                labels.append(agree ? 1 : 0)
                if agree { agreed += 1 }
                rowProblems.append(item.problem.number)
            }
            progress("\(index + 1)/\(items.count) \(item.problem.taskID): \(scored.count) rows")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let url = URL(fileURLWithPath: directory)
        try features.write(to: url.appendingPathComponent("features.f32"))
        try labels.write(to: url.appendingPathComponent("labels.u8"))
        struct Meta: Encodable {
            var rows: Int
            var feature_count: Int
            var hidden_size: Int
            var score_columns: [String]
            var row_problems: [Int]
            var draft: String
            var target: String
        }
        let meta = Meta(
            rows: labels.count, feature_count: featureCount, hidden_size: hiddenSize,
            score_columns: LearnedRouter.scores.map(\.rawValue), row_problems: rowProblems,
            draft: (draftPath as NSString).lastPathComponent, target: (targetPath as NSString).lastPathComponent)
        try JSONEncoder().encode(meta).write(to: url.appendingPathComponent("meta.json"))
        return Summary(
            rows: labels.count, featureCount: featureCount, hiddenSize: hiddenSize,
            agreement: labels.isEmpty ? 0 : Double(agreed) / Double(labels.count), problems: items.count,
            directory: directory)
    }
}
