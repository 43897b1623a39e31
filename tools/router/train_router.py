#!/usr/bin/env python3
"""Trains Tandem's learned router and calibrates routing thresholds, on the tuning problems only.

Reads the directory `tandem bench router-data` writes (features.f32, labels.u8, meta.json: one row
per completion token of HumanEval problems 0-79, the draft's final-norm hidden state followed by its
top-prob, margin and entropy confidences; label 1 when the target's argmax equals the draft's) and:

1. fits an L2-regularised logistic regression (Newton's method, numpy only) predicting the label
   from the standardised features, choosing the regularisation on a held-out split BY PROBLEM
   (problems >= --val-from are held out), then refitting on every row;
2. writes the router as JSON ({"hidden_size", "mean", "scale", "weights", "bias"}: what
   `LearnedRouter` in TandemDecoding reads);
3. writes a calibration file: for each score (top-prob, margin, entropy, learned) and each budget
   (--budgets, shares of tokens), the threshold below which that share of the tuning rows falls;
4. prints the held-out AUC of each signal (how well it ranks "the target disagrees" first).

Example:
  python3 tools/router/train_router.py bench/work/router-data \\
      --router bench/results/real-routing-router.json \\
      --calibration bench/results/real-routing-calibration.json
"""
import argparse
import json
import os
import sys

import numpy as np


def load(directory):
    with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    rows, width = meta["rows"], meta["feature_count"]
    x = np.fromfile(os.path.join(directory, "features.f32"), dtype="<f4")
    y = np.fromfile(os.path.join(directory, "labels.u8"), dtype=np.uint8)
    if x.size != rows * width or y.size != rows or len(meta["row_problems"]) != rows:
        sys.exit(f"{directory}: files disagree with meta.json ({x.size} floats, {y.size} labels, {rows} rows)")
    if any(p >= 80 for p in meta["row_problems"]):
        sys.exit(f"{directory}: holds rows of problems >= 80, the reporting set; train on 0-79 only")
    return meta, x.reshape(rows, width).astype(np.float64), y.astype(np.float64), np.array(meta["row_problems"])


def fit(x, y, l2, free=0, iterations=25):
    """Logistic regression by Newton's method, with an L2 penalty on the weights except the last
    `free` features' and the bias (the draft's own scores stay unpenalised, so a strong penalty falls
    back to a regression on them rather than to a constant)."""
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[d - free:] = 0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -30, 30)))
        gradient = a.T @ (p - y) + penalty * w
        hessian = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w[:-1], w[-1]


def auc(score, disagree):
    """Area under the ROC curve of ranking rows by LOW confidence first as 'disagree'."""
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    positives = disagree.sum()
    negatives = len(disagree) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    # Low confidence should mean disagreement: AUC of (-score) for the disagree class.
    rank_sum = (len(score) + 1 - ranks)[disagree == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def standardise(x):
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def predict(x, mean, scale, w, b):
    return 1 / (1 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -30, 30)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("data", help="directory written by `tandem bench router-data`")
    parser.add_argument("--router", required=True, help="where to write the router JSON")
    parser.add_argument("--calibration", required=True, help="where to write the thresholds JSON")
    parser.add_argument("--budgets", default="0.05,0.10,0.25", help="shares of tokens to route (default 0.05,0.10,0.25)")
    parser.add_argument("--val-from", type=int, default=64, help="first held-out problem for choosing L2 (default 64)")
    parser.add_argument("--l2", default="10,100,1000,10000,100000", help="penalties on the hidden-state weights to try")
    args = parser.parse_args()

    meta, x, y, problems = load(args.data)
    hidden = meta["hidden_size"]
    scores = meta["score_columns"]
    train, val = problems < args.val_from, problems >= args.val_from
    if not train.any() or not val.any():
        sys.exit("--val-from leaves no training or no held-out rows")
    disagree = 1 - y

    report = {"rows": int(len(y)), "agreement": float(y.mean()), "train_rows": int(train.sum()),
              "held_out_rows": int(val.sum()), "held_out_auc": {}, "l2": {}}
    for i, name in enumerate(scores):
        report["held_out_auc"][name] = auc(x[val, hidden + i], disagree[val])
    mean, scale = standardise(x[train])
    best = None
    for l2 in [float(v) for v in args.l2.split(",")]:
        w, b = fit((x[train] - mean) / scale, y[train], l2, free=len(scores))
        value = auc(predict(x[val], mean, scale, w, b), disagree[val])
        report["l2"][str(l2)] = value
        if best is None or value > best[1]:
            best = (l2, value)
    report["chosen_l2"] = best[0]
    report["held_out_auc"]["learned"] = best[1]

    mean, scale = standardise(x)
    w, b = fit((x - mean) / scale, y, best[0], free=len(scores))
    router = {"hidden_size": hidden, "mean": mean.astype(np.float32).tolist(),
              "scale": scale.astype(np.float32).tolist(), "weights": w.astype(np.float32).tolist(),
              "bias": float(b)}
    with open(args.router, "w", encoding="utf-8") as f:
        json.dump(router, f)

    learned = predict(x, mean, scale, w, b)
    signals = {name: x[:, hidden + i] for i, name in enumerate(scores)}
    signals["learned"] = learned
    settings = []
    for name, values in signals.items():
        for budget in [float(v) for v in args.budgets.split(",")]:
            # Route positions whose confidence is below the threshold: the budget-quantile.
            threshold = float(np.quantile(values, budget))
            settings.append({"score": name, "budget": budget, "threshold": min(1.0, max(0.0, threshold)),
                             "routed_on_tuning": float((values < threshold).mean())})
    with open(args.calibration, "w", encoding="utf-8") as f:
        json.dump({"tuned_on": "HumanEval problems " + f"{problems.min()}-{problems.max()}",
                   "training": report, "settings": settings}, f, indent=1)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
