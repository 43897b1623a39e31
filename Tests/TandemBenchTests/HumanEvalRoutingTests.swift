import Foundation
import TandemDecoding
import Testing

@testable import TandemBench

/// The pieces of `bench route --pass-at-1` that need no model: stop strings, calibration files, the
/// harness's answers, the report's verdict, and the router data's completions file.
@Suite("HumanEval routing")
struct HumanEvalRoutingTests {
    @Test("a completion ends at the first stop string, wherever it starts")
    func cut() {
        let stops = HumanEvalRouting.defaultStops
        #expect(HumanEvalRouting.cut("    return x\n\ndef g():\n", at: stops) == "    return x\n")
        #expect(HumanEvalRouting.cut("    return x\nprint(1)\n# c", at: stops) == "    return x")
        #expect(
            HumanEvalRouting.cut("    if a:\n        b\n", at: stops) == "    if a:\n        b\n", "indented if stays")
        #expect(HumanEvalRouting.cut("", at: stops) == "")
    }

    @Test("the chat format opens the assistant's answer with a code fence and the prompt")
    func chatFormat() throws {
        #expect(HumanEvalPromptFormat.chat.extraStops == ["\n```"])
        #expect(HumanEvalPromptFormat.raw.extraStops.isEmpty)
    }

    @Test("calibration files give routed settings; bad ones are refused with a reason")
    func calibration() throws {
        let good =
            #"{"settings":[{"score":"top-prob","budget":0.1,"threshold":0.62},{"score":"learned","budget":0.05,"threshold":0.3}]}"#
        let settings = try HumanEvalRouting.calibration(Data(good.utf8), name: "c.json")
        #expect(settings.map(\.name) == ["route-top-prob-10", "route-learned-5"])
        #expect(settings.allSatisfy { $0.mode == .routed })
        for bad in [
            "[]", #"{"settings":[{"score":"vibes","budget":0.1,"threshold":0.5}]}"#,
            #"{"settings":[{"score":"margin","budget":0.1,"threshold":1.5}]}"#,
        ] {
            #expect(throws: BenchPromptError.self, "\(bad)") {
                try HumanEvalRouting.calibration(Data(bad.utf8), name: "c.json")
            }
        }
    }

    @Test("a capped setting keeps its threshold, caps at its budget, and draws its own line")
    func capped() throws {
        let setting = HumanEvalRouting.Setting(mode: .routed, score: "learned", budget: 0.1, threshold: 0.3)
        let capped = setting.capped
        #expect(capped.name == "route-learned-10-capped" && setting.name == "route-learned-10")
        #expect(capped.cap == 0.1 && capped.threshold == 0.3 && setting.cap == nil)
        #expect(HumanEvalRouting.Setting(mode: .draftAlone).capped.cap == nil, "only routed settings take a cap")
        let report = HumanEvalRoutingReport(
            target: "t", draft: "d", problems: "80-83", maxTokens: 10, stops: [], networkIsolated: true,
            settings: [
                Self.result(.init(mode: .draftAlone), passed: 1, of: 4),
                Self.result(setting, passed: 2, of: 4, routed: 12),
                Self.result(capped, passed: 2, of: 4, routed: 9),
            ], format: .chat)
        let svg = report.svg()
        #expect(svg.contains("learned router, capped") && svg.contains("learned router"))
        #expect(report.bestWithinBar?.name == "route-learned-10-capped", "only the capped one is within 10 %")
    }

    static func result(
        _ setting: HumanEvalRouting.Setting, passed: Int, of total: Int, routed: Int = 0, tokens: Int = 100
    ) -> HumanEvalRoutingReport.SettingResult {
        var counters = GenerationCounters()
        counters.generatedTokens = tokens
        counters.routedPositions = routed
        let records = (0..<total).map {
            HumanEvalRouting.Record(
                taskID: "HumanEval/\($0)", completion: "", counters: $0 == 0 ? counters : GenerationCounters())
        }
        let outcomes = (0..<total).map {
            HumanEvalExecutor.Outcome(
                taskID: "HumanEval/\($0)", key: setting.name, passed: $0 < passed,
                result: $0 < passed ? "passed" : "failed")
        }
        return .init(setting: setting, records: records, outcomes: outcomes)
    }

    @Test("the verdict: best routed setting within 10 % routed, and the share of the gap it closes")
    func verdict() throws {
        let routed = HumanEvalRouting.Setting(mode: .routed, score: "top-prob", budget: 0.1, threshold: 0.5)
        let wide = HumanEvalRouting.Setting(mode: .routed, score: "top-prob", budget: 0.25, threshold: 0.8)
        var report = HumanEvalRoutingReport(
            target: "t", draft: "d", problems: "80-83", maxTokens: 10, stops: [], networkIsolated: true,
            settings: [
                Self.result(.init(mode: .draftAlone), passed: 1, of: 4),
                Self.result(.init(mode: .targetAlone), passed: 3, of: 4),
                Self.result(routed, passed: 2, of: 4, routed: 8),
                Self.result(wide, passed: 3, of: 4, routed: 30),
            ], format: .chat)
        #expect(report.settings[2].routedFraction == 0.08)
        #expect(report.bestWithinBar?.name == "route-top-prob-10", "the 30 % setting is over the bar")
        #expect(report.gapClosed(report.settings[2]) == 0.5)
        #expect(report.markdown(header: "#").contains("**met**"))
        report.settings[2] = Self.result(routed, passed: 1, of: 4, routed: 8)
        #expect(report.markdown(header: "#").contains("**missed**"))
        #expect(report.svg().contains("<svg"))
        // Draft passes problem 0, target 0–2, the routed setting 0 only: nothing won, nothing lost.
        let origin = try #require(report.provenance(report.settings[2]))
        #expect(
            origin == .init(targetOnly: 2, wonFromTarget: 0, draftOnly: 0, keptFromDraft: 0, lostOfBoth: 0, neither: 0))
        #expect(report.provenance(report.settings[3])?.wonFromTarget == 2, "the 30 % setting passes 0–2")
        #expect(report.provenance(report.settings[0]) != nil && report.provenance(report.settings[1]) != nil)
        #expect(report.markdown(header: "#").contains("of the 2 only the target passes"))
        #expect(!report.markdown(header: "#").contains("the best of"), "one setting within 10 %: no selection")
        report.settings[3] = Self.result(wide, passed: 3, of: 4, routed: 9)
        #expect(report.markdown(header: "#").contains("the best of 2 settings within 10 %"))
        #expect(HumanEvalRoutingReport.describe([80, 81, 82, 90, 92, 93]) == "80-82,90,92-93")
    }

    /// A stand-in for the harness that answers "passed" for completions containing "return" — the
    /// executor's plumbing without running any generated code.
    static func stubHarness(answers: String? = nil) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stub-harness-\(UUID()).py").path
        let body =
            answers.map { "print(\($0))" }
                ?? """
                import json, sys
                args = sys.argv
                for line in open(args[args.index("--input") + 1]):
                    item = json.loads(line)
                    ok = "return" in item["completion"]
                    print(json.dumps({"task_id": item["task_id"], "key": item["key"], "passed": ok, "result": "passed" if ok else "failed: stub"}))
                """
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the executor sends every completion to the harness and reads its verdicts back in order")
    func executor() throws {
        let script = try Self.stubHarness()
        let jobs = [
            HumanEvalExecutor.Job(taskID: "HumanEval/1", completion: "    return 1\n", key: "a"),
            HumanEvalExecutor.Job(taskID: "HumanEval/2", completion: "    pass\n\"quoted\" ünïcode\n", key: "a"),
        ]
        let (outcomes, _) = try HumanEvalExecutor(script: script).run(jobs)
        #expect(outcomes.map(\.passed) == [true, false])
        #expect(outcomes.map(\.taskID) == ["HumanEval/1", "HumanEval/2"])
        #expect(throws: BenchPromptError.self) {
            try HumanEvalExecutor(script: Self.stubHarness(answers: "'{}'")).run(jobs)
        }
        #expect(throws: BenchPromptError.self) { try HumanEvalExecutor(script: "/nonexistent/h.py").run(jobs) }
    }

    @Test("router data reads completions by task id and refuses malformed or empty files")
    func routerDataItems() throws {
        let problems = [
            HumanEvalProblem(number: 0, taskID: "HumanEval/0", prompt: "def f():\n"),
            HumanEvalProblem(number: 1, taskID: "HumanEval/1", prompt: "def g():\n"),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("router-data-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let good = directory.appendingPathComponent("good.jsonl").path
        try #"{"task_id":"HumanEval/1","completion":"    return 2\n","counters":{}}"#.write(
            toFile: good, atomically: true, encoding: .utf8)
        let items = try RouterDataExport.items(completionsFile: good, problems: problems)
        #expect(items.count == 1 && items[0].problem.number == 1 && items[0].completion == "    return 2\n")
        let bad = directory.appendingPathComponent("bad.jsonl").path
        try "{\"task\":1}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: BenchPromptError.self) { try RouterDataExport.items(completionsFile: bad, problems: problems) }
        #expect(throws: BenchPromptError.self) {
            try RouterDataExport.items(
                completionsFile: directory.appendingPathComponent("none").path, problems: problems)
        }
    }
}
