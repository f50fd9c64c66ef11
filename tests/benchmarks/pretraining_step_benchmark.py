"""Pretraining-step throughput: kbert against keras-hub, side by side.

One step = forward + backward + AdamW update at sequence length 128 with 20
masked positions per sequence (BERT's 15% of 128, rounded up), jit_compile
on for both. kbert runs its full pretrainer (MLM + NSP); keras-hub runs its
`BertBackbone` + `MaskedLMHead` (it has no NSP head). kbert's last encoder
block computes its feed-forward only at [CLS] and the masked positions
(`output_positions`); `--whole-last-block` also times kbert wired without
that, so the gain shows on its own. Runs alternate between the models so
that load on the machine affects them alike.

On an accelerator it also reports sequences/s and model FLOPs utilisation
(MFU): the FLOPs of the model's matrix products (forward and backward, no
recomputation) per second over the chip's dense peak for the precision.

Usage (from the repository root):
    python -m tests.benchmarks.pretraining_step_benchmark
    ... --sizes bert_small --steps 10 --rounds 3
    # BERT phase 1 on a GPU (issue #5): bfloat16, XLA, batch 256 x 128
    KERAS_BACKEND=jax python -m tests.benchmarks.pretraining_step_benchmark \
        --sizes bert_base --batch-size 256 --precision bfloat16
"""

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kbert import presets  # noqa: E402
from kbert.models import BertBackbone, BertPretrainer  # noqa: E402
from tests.model_checks import pretrainer_through_full_output  # noqa: E402

SEQUENCE_LENGTH = 128
NUM_PREDICTIONS = 20
BATCH_SIZES = {"bert_base": 8, "bert_small": 32}
WHOLE = "kbert, whole last block"

# Dense (no sparsity) peak TFLOP/s by chip name and precision, from NVIDIA's
# data sheets (SXM parts); float32 matmuls run as TF32 on these chips.
PEAK_TFLOPS = {
    "H100": {"bfloat16": 989.4, "float16": 989.4, "float32": 494.7},
    "H200": {"bfloat16": 989.4, "float16": 989.4, "float32": 494.7},
    "A100": {"bfloat16": 312.0, "float16": 312.0, "float32": 156.0},
}


def make_batch(
    batch_size,
    vocabulary_size,
    length=SEQUENCE_LENGTH,
    predictions=NUM_PREDICTIONS,
    seed=0,
):
    rng = np.random.default_rng(seed)
    shape = (batch_size, length)
    features = {
        "token_ids": rng.integers(0, vocabulary_size, shape).astype("int32"),
        "segment_ids": (np.arange(length) >= length // 2)
        .astype("int32")[None]
        .repeat(batch_size, 0),
        "padding_mask": np.ones(shape, "int32"),
        "mask_positions": np.sort(
            rng.permuted(
                np.tile(np.arange(1, length), (batch_size, 1)), axis=1
            )[:, :predictions],
            axis=1,
        ).astype("int32"),
    }
    mlm_labels = rng.integers(
        0, vocabulary_size, (batch_size, predictions)
    ).astype("int32")
    nsp_labels = rng.integers(0, 2, (batch_size,)).astype("int32")
    return features, mlm_labels, nsp_labels


def training_flops_per_sequence(config, length, predictions):
    """Matmul FLOPs of one sequence's forward + backward (3 x forward).

    Encoder dense layers (q, k, v, output, two feed-forward), the attention
    products (scores and weighted values), the masked-LM transform and
    vocabulary projection at `predictions` positions, pooler and NSP head.
    Elementwise work (softmax, GELU, LayerNorm) and embedding lookups are
    left out, as MFU counts them.
    """
    hidden, inner = config["hidden_dim"], config["intermediate_dim"]
    layers, vocabulary = config["num_layers"], config["vocabulary_size"]
    dense = 2 * length * (4 * hidden * hidden + 2 * hidden * inner)
    attention = 2 * 2 * length * length * hidden
    masked_lm = 2 * predictions * (hidden * hidden + hidden * vocabulary)
    pooler_nsp = 2 * (hidden * hidden + 2 * hidden)
    forward = layers * (dense + attention) + masked_lm + pooler_nsp
    return 3 * forward


def accelerator_name():
    """The first accelerator's name on this backend, or None on CPU."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return None if device.platform == "cpu" else device.device_kind
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name()
        return None
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", "GPU")
    return None


def peak_tflops(device, precision):
    """The dense peak for `precision`, or None for a chip not in the table
    (PCIe parts run lower clocks than the SXM figures listed)."""
    if not device or "PCIe" in device:
        return None
    for chip, peaks in PEAK_TFLOPS.items():
        if chip in device:
            return peaks[precision]
    return None


def adamw():
    return keras.optimizers.AdamW(learning_rate=1e-4, weight_decay=0.01)


def kbert_step(config, batch, whole_last_block=False):
    """kbert's pretraining step; with `whole_last_block`, the same layers
    wired as before the pretrainer asked its backbone for [CLS] and the
    masked positions only (the last block then computes every row)."""
    features, mlm_labels, nsp_labels = batch
    model = BertPretrainer(BertBackbone(**config))
    # No metrics, as on the keras-hub side: the step is forward + backward +
    # AdamW. kbert still computes its NSP head and loss, keras-hub has none.
    model.compile(optimizer=adamw(), weighted_metrics=[], jit_compile=True)
    if whole_last_block:
        plain = pretrainer_through_full_output(model)
        plain.compile(
            optimizer=adamw(),
            loss=model.loss,
            weighted_metrics=[],
            jit_compile=True,
        )
        model = plain
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


def hugging_face_rate(python, config, settings):
    """Sequences/s of Hugging Face's `BertForPreTraining` at the same sizes,
    run by `pretraining_step_hf.py` under `python` (torch + transformers)."""
    worker = os.path.join(os.path.dirname(__file__), "pretraining_step_hf.py")
    result = subprocess.run(
        [python, worker, json.dumps({**config, **settings})],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"The Hugging Face worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    parser.add_argument(
        "--batch-size",
        type=int,
        help="sequences a step for every size (default: bert_base 8, "
        "bert_small 32, others 8)",
    )
    parser.add_argument("--sequence-length", type=int, default=SEQUENCE_LENGTH)
    parser.add_argument("--predictions", type=int, default=NUM_PREDICTIONS)
    parser.add_argument(
        "--precision",
        choices=("float32", "bfloat16", "float16"),
        default="float32",
        help="bfloat16/float16: Keras' mixed_* policy for both models",
    )
    parser.add_argument(
        "--peak-tflops",
        type=float,
        help="the chip's dense peak for --precision (default: looked up "
        "by the accelerator's name; no MFU where unknown)",
    )
    parser.add_argument(
        "--dropout",
        type=float,
        help="dropout and attention dropout for both models (default: the "
        "preset's 0.1)",
    )
    parser.add_argument(
        "--whole-last-block",
        action="store_true",
        help="also time kbert's pretrainer with its last block computing "
        "every position (as before it computed only [CLS] and the masked "
        "ones)",
    )
    parser.add_argument(
        "--hf-python",
        help="also time Hugging Face's PyTorch BertForPreTraining with this "
        "Python (one that has torch and transformers)",
    )
    args = parser.parse_args()
    if args.precision != "float32":
        keras.config.set_dtype_policy(f"mixed_{args.precision}")
    device = accelerator_name()
    peak = args.peak_tflops or peak_tflops(device, args.precision)
    length, predictions = args.sequence_length, args.predictions
    print(
        f"backend: {keras.backend.backend()}, keras {keras.__version__}, "
        f"device: {device or 'CPU'}, precision {args.precision}, "
        f"sequence length {length}, {predictions} predictions"
    )
    for size in args.sizes:
        config = presets.preset_config(size)
        if args.dropout is not None:
            config["dropout"] = config["attention_dropout"] = args.dropout
        config["max_sequence_length"] = max(
            config["max_sequence_length"], length
        )
        batch_size = args.batch_size or BATCH_SIZES.get(size, 8)
        batch = make_batch(
            batch_size, config["vocabulary_size"], length, predictions
        )
        steps = {
            "kbert": kbert_step(config, batch),
            "keras-hub": keras_hub_step(config, batch),
        }
        if args.whole_last_block:
            steps[WHOLE] = kbert_step(config, batch, whole_last_block=True)
        for step in steps.values():
            for _ in range(args.warmup):  # compile + settle
                step()
        seconds = {name: 0.0 for name in steps}
        order = list(steps)
        for _ in range(args.rounds):
            for name in order:  # ABBA order cancels drift in machine load
                seconds[name] += measure(steps[name], args.steps)
            order.reverse()
        sequences = batch_size * args.steps * args.rounds
        rate = {name: sequences / s for name, s in seconds.items()}
        print(
            f"{size} (batch {batch_size} x {length}): "
            f"kbert {rate['kbert'] * length:,.0f} tokens/s, "
            f"keras-hub {rate['keras-hub'] * length:,.0f} tokens/s, "
            f"ratio kbert/keras-hub {rate['kbert'] / rate['keras-hub']:.2f}",
            flush=True,
        )
        if WHOLE in rate:
            print(
                f"  {WHOLE}: {rate[WHOLE] * length:,.0f} tokens/s; ratio "
                f"kbert/{WHOLE} {rate['kbert'] / rate[WHOLE]:.3f}",
                flush=True,
            )
        flops = training_flops_per_sequence(config, length, predictions)
        for name in steps:
            line = (
                f"  {name}: {rate[name]:,.1f} sequences/s, "
                f"{flops / 1e9:.1f} GFLOPs a sequence"
            )
            if peak:
                mfu = rate[name] * flops / (peak * 1e12)
                line += f", MFU {mfu:.1%} of {peak:g} TFLOP/s"
            print(line, flush=True)
        if args.hf_python:
            settings = {
                "batch_size": batch_size,
                "length": length,
                "predictions": predictions,
                "precision": args.precision,
                "steps": args.steps * args.rounds,
                "warmup": args.warmup,
            }
            hf = hugging_face_rate(args.hf_python, config, settings)
            print(
                f"  Hugging Face BertForPreTraining ({hf['device']}, "
                f"{hf['attention']} attention): "
                f"{hf['sequences_per_second']:,.1f} sequences/s; ratio "
                f"kbert/HF {rate['kbert'] / hf['sequences_per_second']:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
