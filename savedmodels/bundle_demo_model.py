"""Copies a trained model into `savedmodels/<name>/` in compact form.

    python savedmodels/bundle_demo_model.py --name paraphrase \
        --model runs/demo/paraphrase/model.keras --source "..." \
        [--label-names not_equivalent equivalent]

Writes `savedmodels/<name>/model.keras` (no optimizer state, weights stored
as int8 with a scale per row, or `--dtype float16`; see
`kbert.saving.compact`) and `metrics.json` with the source
description and the training run's own metrics file, if any.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--model", required=True, help="a trained .keras")
    parser.add_argument("--source", required=True, help="how it was made")
    parser.add_argument(
        "--label-names", nargs="+", help="class names to attach (classifier)"
    )
    parser.add_argument(
        "--dtype",
        choices=("int8", "float16"),
        default="int8",
        help="how the weights are stored (int8: about half of float16)",
    )
    parser.add_argument(
        "--heldout-evaluation",
        help="an evaluation.json of savedmodels/evaluate_fill_mask.py (the "
        "float32 model's held-out figures) to record",
    )
    parser.add_argument("--models-dir", default=str(REPO / "savedmodels"))
    args = parser.parse_args(argv)

    from kbert.models import BertClassifier
    from kbert.saving import load_model
    from kbert.saving.compact import save_compact

    folder = Path(args.models_dir) / args.name
    folder.mkdir(parents=True, exist_ok=True)
    source = args.model
    with tempfile.TemporaryDirectory() as scratch:
        if args.label_names:
            trained = load_model(args.model)
            named = BertClassifier(
                trained.backbone,
                trained.num_classes,
                dropout=trained.dropout,
                label_names=tuple(args.label_names),
            )
            named.classifier_dense.set_weights(
                trained.classifier_dense.get_weights()
            )
            source = str(Path(scratch) / "named.keras")
            named.save(source)
        size = save_compact(source, folder / "model.keras", dtype=args.dtype)
    card = {"source": args.source, "metrics": {}}
    run_metrics = Path(args.model).with_name("metrics.json")
    if run_metrics.is_file():
        card["training_run"] = json.loads(run_metrics.read_text())
    if args.heldout_evaluation:
        card["heldout_evaluation"] = heldout_figures(args.heldout_evaluation)
    (folder / "metrics.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {folder}/model.keras ({size / 1e6:.1f} MB)")


def heldout_figures(path):
    """The held-out figures of an evaluation.json, with the corpus as a
    path relative to the repository (no machine's path in a tracked
    file)."""
    import os

    figures = {
        name: value
        for name, value in json.loads(Path(path).read_text()).items()
        if name.startswith("heldout_")
    }
    corpus = figures.get("heldout_corpus")
    if corpus is not None and os.path.isabs(corpus):
        figures["heldout_corpus"] = os.path.relpath(corpus, REPO)
    figures["note"] = (
        "float32 pretrainer before compaction: python "
        "savedmodels/evaluate_fill_mask.py --model PRETRAINER "
        f"--heldout-corpus {figures.get('heldout_corpus')}"
    )
    return figures


if __name__ == "__main__":
    main()
