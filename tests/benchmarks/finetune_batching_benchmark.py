"""Fine-tuning batches: length-grouped pools against plain shuffled batches.

    python -m tests.benchmarks.finetune_batching_benchmark \
        [--tasks sst2 mrpc conll squad] [--model minilm.keras --steps 40]

For each task's real training features (SST-2's first 8,192 train
sentences, MRPC train, CoNLL-2003 train, the QA windows of SQuAD dev
articles 0-23), one epoch of batches from `length_grouped_batches` with
`pool_batches=16` (what the runners use) and with `pool_batches=1` (plain
shuffled batches cut to their longest sequence, as before) is counted:
positions per example fed to the model, against the real tokens.

With `--model` (a `.keras` backbone) it also times training steps of the
task's model on both kinds of batch, tensorflow backend, in alternating
rounds so that load on the machine affects both alike. Every batch length
the pools can produce is compiled before the clock starts, so the figure
is the steady state of a run of several epochs.
"""

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
VOCAB = DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"
BATCH_SIZES = {"sst2": 32, "mrpc": 16, "conll": 32, "squad": 16}
SST2_EXAMPLES = 8192


def task_features(task, tokenizer):
    """`(features, labels, weights)` of a task's training data."""
    from kbert.data.conll import conll_features, read_conll
    from kbert.data.glue import glue_features, read_glue
    from kbert.data.squad import load_squad_json, squad_examples, squad_features

    if task in ("sst2", "mrpc"):
        folder, name = {
            "sst2": ("SST-2", "train.tsv.gz"),
            "mrpc": ("MRPC", "train.tsv"),
        }[task]
        examples = read_glue(task, DATA / "glue" / folder / name)
        if task == "sst2":
            examples = examples[:SST2_EXAMPLES]
        features, labels = glue_features(examples, tokenizer, 128)
        return features, labels, None
    if task == "conll":
        sentences = read_conll(DATA / "conll2003" / "train.txt.gz")
        features, labels, weights, _ = conll_features(sentences, tokenizer)
        return features, labels, weights
    dataset = load_squad_json(DATA / "squad_v1.1" / "dev-v1.1.json.gz")
    windows = squad_features(
        squad_examples(dataset, slice(None, 24)),
        tokenizer,
        sequence_length=384,
        doc_stride=128,
        max_query_length=64,
    )
    features = {
        name: windows[name]
        for name in ("token_ids", "segment_ids", "padding_mask")
    }
    labels = {
        "start": windows["start_positions"],
        "end": windows["end_positions"],
    }
    return features, labels, None


def batches(task, parts, pool_batches, seed=0):
    from kbert.training.length_batches import length_grouped_batches

    return length_grouped_batches(
        parts, BATCH_SIZES[task], seed=seed, pool_batches=pool_batches
    )


def positions_per_example(dataset):
    fed = examples = 0
    for batch in dataset:
        shape = batch[0]["token_ids"].shape
        fed += shape[0] * shape[1]
        examples += shape[0]
    return fed / examples


def task_model(task, backbone):
    from kbert.models import (
        BertClassifier,
        BertQuestionAnswerer,
        BertTokenClassifier,
    )

    if task == "squad":
        return BertQuestionAnswerer(backbone)
    if task == "conll":
        return BertTokenClassifier(backbone, num_classes=9)
    return BertClassifier(backbone, num_classes=2)


def time_steps(task, parts, model_path, steps, rounds):
    """Examples/s of training steps on pooled and on plain batches."""

    from kbert.training.finetuning import load_backbone
    from kbert.training.length_batches import LENGTH_BUCKET
    from kbert.training.optimizer import make_optimizer

    backbone, _, _ = load_backbone(model_path)
    model = task_model(task, backbone)
    model.compile(optimizer=make_optimizer(1e-5, total_steps=10**6))
    width = parts[0]["token_ids"].shape[1]
    size = BATCH_SIZES[task]
    # Compile every shape a run meets: full batches at each bucket length.
    for length in range(LENGTH_BUCKET, width + 1, LENGTH_BUCKET):
        batch = [
            None if part is None else _cut(part, size, length) for part in parts
        ]
        model.train_on_batch(batch[0], batch[1], sample_weight=batch[2])
    parts = tuple(part for part in parts if part is not None)
    rates = {16: [], 1: []}
    for round_ in range(rounds):
        for pool in rates:
            data = list(batches(task, parts, pool, seed=round_).take(steps))
            started = time.perf_counter()
            count = 0
            for batch in data:
                model.train_on_batch(*batch)
                count += batch[0]["token_ids"].shape[0]
            rates[pool].append(count / (time.perf_counter() - started))
    return {f"pool_{pool}": max(values) for pool, values in rates.items()}


def _cut(part, size, length):
    def cut(array):
        array = array[:size]
        return array[:, :length] if array.ndim == 2 else array

    if isinstance(part, dict):
        return {key: cut(value) for key, value in part.items()}
    return cut(part)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tasks", nargs="+", default=list(BATCH_SIZES), choices=BATCH_SIZES
    )
    parser.add_argument("--model", help="a .keras backbone, to time steps")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from kbert.text import BertTokenizer, load_vocabulary

    tokenizer = BertTokenizer(load_vocabulary(VOCAB), lowercase=True)
    for task in args.tasks:
        features, labels, weights = task_features(task, tokenizer)
        parts = (features, labels) + (() if weights is None else (weights,))
        report = {
            "task": task,
            "examples": len(features["token_ids"]),
            "batch_size": BATCH_SIZES[task],
            "packed_length": features["token_ids"].shape[1],
            "real_tokens_per_example": round(
                float(features["padding_mask"].sum(1).mean()), 1
            ),
            "positions_per_example": {
                f"pool_{pool}": round(
                    positions_per_example(batches(task, parts, pool)), 1
                )
                for pool in (16, 1)
            },
        }
        if args.model:
            rates = time_steps(
                task, (features, labels, weights), args.model,
                args.steps, args.rounds,
            )  # fmt: skip
            report["examples_per_s"] = {
                k: round(v, 1) for k, v in rates.items()
            }
            report["speedup"] = round(rates["pool_16"] / rates["pool_1"], 2)
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
