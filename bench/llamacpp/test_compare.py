"""Unit tests of the comparison rules (python3 -m unittest discover -s bench/llamacpp)."""
import math
import unittest

import compare


def top(*pairs):
    return [{"id": i, "logit": l} for i, l in pairs]


def llama(batch, spread=0.1, tokens=(1, 2, 3), greedy=(5, 6, 7), margins=(2.0, 2.0, 2.0)):
    return {"tokens": list(tokens), "batch": {"top": batch}, "single": {"top": batch},
            "spread_top": spread, "greedy": list(greedy), "greedy_margin": list(margins)}


class CompareTests(unittest.TestCase):
    def test_delta_is_over_llamas_top_ids(self):
        ours = top((1, 10.0), (2, 9.0), (3, 8.0))
        theirs = top((2, 9.3), (1, 10.1), (3, 7.0))
        self.assertAlmostEqual(compare.max_abs_delta(ours, theirs, count=2), 0.3)
        self.assertAlmostEqual(compare.max_abs_delta(ours, theirs, count=3), 1.0)

    def test_a_missing_id_is_an_infinite_delta(self):
        self.assertEqual(compare.max_abs_delta(top((1, 1.0), (2, 0.5)), top((1, 1.0))), math.inf)

    def test_top1_rule(self):
        close = top((1, 10.0), (2, 9.95))
        self.assertEqual(compare.top1_verdict(close, top((1, 10.0), (2, 9.9)), 0.1), "same")
        self.assertEqual(compare.top1_verdict(close, top((2, 10.0), (1, 9.9)), 0.1), "explained")
        wide = top((1, 10.0), (2, 9.0))
        self.assertEqual(compare.top1_verdict(wide, top((2, 10.0), (1, 9.9)), 0.1), "DIFFERENT")

    def test_first_divergence(self):
        self.assertIsNone(compare.first_divergence([1, 2], [1, 2]))
        self.assertEqual(compare.first_divergence([1, 2, 3], [1, 4, 3]), 1)
        self.assertEqual(compare.first_divergence([1, 2, 3], [1, 2]), 2)

    def test_greedy_divergence_is_explained_only_by_a_small_margin(self):
        ref = llama(top((1, 1.0), (2, 0.0)), margins=(2.0, 0.05, 2.0))
        self.assertEqual(compare.greedy_verdict(ref, [5, 6, 7], 0.1), ("same", None, None))
        self.assertEqual(compare.greedy_verdict(ref, [5, 9, 7], 0.1), ("explained", 1, 0.05))
        self.assertEqual(compare.greedy_verdict(ref, [8, 6, 7], 0.1), ("DIFFERENT", 0, 2.0))
        self.assertEqual(compare.greedy_verdict(ref, [5, 6], 0.1)[0], "DIFFERENT")

    def test_compare_row(self):
        ref = llama(top((1, 10.0), (2, 8.0)), spread=0.2)
        row = compare.compare(ref, {"tokens": [1, 2, 3], "top": top((1, 10.1), (2, 8.05)), "greedy": [5, 6, 7]})
        self.assertTrue(row["ok"])
        self.assertAlmostEqual(row["delta_top10"], 0.1)
        self.assertTrue(row["delta_within_spread"])
        bad = compare.compare(ref, {"tokens": [1, 2], "top": top((1, 10.0), (2, 8.0)), "greedy": [5, 6, 7]})
        self.assertEqual(bad["tokenization"], "DIFFERENT")
        self.assertFalse(bad["ok"])


if __name__ == "__main__":
    unittest.main()
