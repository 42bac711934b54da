"""The one command: every model of model_builder.MODELS, every seed, every number.

    python -m src.train                  # validation accuracy, seeds 0 1 2
    python -m src.train --test           # once, at the end: test accuracy as well
    python -m src.train --seeds 0 1 2 3 --epochs 5

It prints one line per model (mean ± std over the seeds) and saves every number in
report/results.json. Tune on the validation numbers; run --test once, for the report.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from labkit import get_device

from src import data_setup, engine, model_builder, utils


def main(argv: list[str] | None = None) -> dict:
    """Train, evaluate, print and save; returns the results that were saved."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--split", default="lab", choices=["small", "lab"])
    parser.add_argument("--test", action="store_true", help="also score the test split")
    parser.add_argument("--out", type=Path, default=utils.RESULTS)
    args = parser.parse_args(argv)

    utils.seed_everything(0)
    device = get_device()
    train_split, val_split, test_split = data_setup.load(args.split)
    print(data_setup.CREDIT)
    splits = {"validation": val_split, **({"test": test_split} if args.test else {})}
    results = {"seeds": args.seeds, "epochs": args.epochs, "split": args.split, "models": {}}
    for name, make in model_builder.MODELS.items():
        start = time.perf_counter()
        scores = {split: [] for split in splits}
        for seed in args.seeds:
            model = engine.fit(make, train_split, seed, device, num_epochs=args.epochs)
            for split, (X, y) in splits.items():
                scores[split].append(engine.accuracy(model, X, y, device))
        results["models"][name] = {
            "parameters": model_builder.num_parameters(make()),
            **{f"{split} accuracy": accs for split, accs in scores.items()},
        }
        summary = ", ".join(f"{split} {utils.mean_std(accs)}" for split, accs in scores.items())
        print(f"{name}: {summary} ({time.perf_counter() - start:.0f} s)")
    print(f"saved {utils.save_results(results, args.out)}")
    return results


if __name__ == "__main__":
    main()
