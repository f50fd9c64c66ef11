"""Pretraining-step throughput: kbert against keras-hub, side by side.

One step = forward + backward + AdamW update at sequence length 128 with 20
masked positions per sequence (BERT's 15% of 128, rounded up), jit_compile
on for both. kbert runs its full pretrainer (MLM + NSP); keras-hub runs its
`BertBackbone` + `MaskedLMHead` (it has no NSP head). Runs alternate between
the two models so that load on the machine affects both alike.

Usage (from the repository root):
    python -m tests.benchmarks.pretraining_step_benchmark
    ... --sizes bert_small --steps 10 --rounds 3
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kbert import presets  # noqa: E402
from kbert.models import BertBackbone, BertPretrainer  # noqa: E402

SEQUENCE_LENGTH = 128
NUM_PREDICTIONS = 20
BATCH_SIZES = {"bert_base": 8, "bert_small": 32}


def make_batch(batch_size, vocabulary_size, seed=0):
    rng = np.random.default_rng(seed)
    shape = (batch_size, SEQUENCE_LENGTH)
    features = {
        "token_ids": rng.integers(0, vocabulary_size, shape).astype("int32"),
        "segment_ids": (np.arange(SEQUENCE_LENGTH) >= 64)
        .astype("int32")[None]
        .repeat(batch_size, 0),
        "padding_mask": np.ones(shape, "int32"),
        "mask_positions": np.sort(
            rng.permuted(
                np.tile(np.arange(1, SEQUENCE_LENGTH), (batch_size, 1)), axis=1
            )[:, :NUM_PREDICTIONS],
            axis=1,
        ).astype("int32"),
    }
    mlm_labels = rng.integers(
        0, vocabulary_size, (batch_size, NUM_PREDICTIONS)
    ).astype("int32")
    nsp_labels = rng.integers(0, 2, (batch_size,)).astype("int32")
    return features, mlm_labels, nsp_labels


def adamw():
    return keras.optimizers.AdamW(learning_rate=1e-4, weight_decay=0.01)


def kbert_step(config, batch):
    features, mlm_labels, nsp_labels = batch
    model = BertPretrainer(BertBackbone(**config))
    model.compile(optimizer=adamw(), jit_compile=True)
    labels = {"mlm": mlm_labels, "nsp": nsp_labels}
    weights = {
        "mlm": np.ones(mlm_labels.shape, "float32"),
        "nsp": np.ones(nsp_labels.shape, "float32"),
    }
    return lambda: model.train_on_batch(features, labels, weights)


def keras_hub_step(config, batch):
    import keras_hub

    features, mlm_labels, _ = batch
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config["vocabulary_size"],
        num_layers=config["num_layers"],
        num_heads=config["num_heads"],
        hidden_dim=config["hidden_dim"],
        intermediate_dim=config["intermediate_dim"],
        dropout=config["dropout"],
        max_sequence_length=config["max_sequence_length"],
    )
    head = keras_hub.layers.MaskedLMHead(
        vocabulary_size=config["vocabulary_size"],
        token_embedding=backbone.token_embedding,
        intermediate_activation="gelu",
        dtype=backbone.dtype_policy,
    )
    inputs = {
        name: keras.Input(shape=(None,), dtype="int32", name=name)
        for name in features
    }
    sequence = backbone(
        {k: inputs[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    )["sequence_output"]
    model = keras.Model(inputs, head(sequence, inputs["mask_positions"]))
    model.compile(
        optimizer=adamw(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=True,
    )
    return lambda: model.train_on_batch(features, mlm_labels)


def measure(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(BATCH_SIZES))
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    print(
        f"backend: {keras.backend.backend()}, keras {keras.__version__}, "
        f"sequence length {SEQUENCE_LENGTH}, {NUM_PREDICTIONS} predictions"
    )
    for size in args.sizes:
        config = presets.preset_config(size)
        batch_size = BATCH_SIZES.get(size, 8)
        batch = make_batch(batch_size, config["vocabulary_size"])
        steps = {
            "kbert": kbert_step(config, batch),
            "keras-hub": keras_hub_step(config, batch),
        }
        for step in steps.values():
            for _ in range(args.warmup):  # compile + settle
                step()
        seconds = {name: 0.0 for name in steps}
        order = list(steps)
        for _ in range(args.rounds):
            for name in order:  # ABBA order cancels drift in machine load
                seconds[name] += measure(steps[name], args.steps)
            order.reverse()
        tokens = batch_size * SEQUENCE_LENGTH * args.steps * args.rounds
        rate = {name: tokens / s for name, s in seconds.items()}
        print(
            f"{size} (batch {batch_size} x {SEQUENCE_LENGTH}): "
            f"kbert {rate['kbert']:,.0f} tokens/s, "
            f"keras-hub {rate['keras-hub']:,.0f} tokens/s, "
            f"ratio kbert/keras-hub {rate['kbert'] / rate['keras-hub']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
