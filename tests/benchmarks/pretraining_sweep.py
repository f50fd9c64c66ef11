"""Pretraining recipes side by side, on the batches a real run would see.

To choose a recipe for a long CPU run (issue #5's 30-minute bert_mini run)
without spending hours of CPU on each candidate, the candidates are trained
on an accelerator on exactly the batches `python -m kbert pretrain` would
feed them, and scored the way `savedmodels/evaluate_fill_mask.py` scores a
model (held-out MLM and NSP accuracy). Two halves, because kbert's pipeline
(tf.data + tensorflow-text) runs where TensorFlow is installed and the
accelerator machine may have only jax:

    # where TensorFlow is: the batches of each phase, and held-out batches
    python -m tests.benchmarks.pretraining_sweep prepare \\
        --corpus runs/mini/train.txt --vocab runs/mini/vocab.txt \\
        --heldout-corpus runs/mini/heldout.txt \\
        --phase 64:10:4000 --phase 128:20:2500 --output sweep/data.npz
    # anywhere (jax is enough): train each recipe, print held-out scores
    KERAS_BACKEND=jax python -m tests.benchmarks.pretraining_sweep train \\
        --data sweep/data.npz --preset bert_mini \\
        --recipe '{"name": "a", "learning_rate": 1e-3, "warmup_steps": 120,
                   "phases": [[64, 2700], [128, 300]]}'

Phase `p` (0-based) of `prepare` draws its batches with the seed the
pretrain command gives phase `p` (`seed * 1000 + p`), so a recipe whose
phases match a command's sees that command's first batches. Arrays are
stored compactly (uint16 ids, bit-packed masks) and restored exactly.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

FEATURES = ("token_ids", "segment_ids", "padding_mask", "mask_positions")
HELDOUT_SEED = 12345  # evaluate_fill_mask.py's held-out batches
HELDOUT_MAX_PREDICTIONS = 20


def stack_batches(dataset, count):
    """The first `count` batches of a pretraining dataset as arrays of
    shape (count, batch, ...): the features by name, plus `mlm`, `nsp` (the
    labels) and `mlm_weights`."""
    batches = list(dataset.take(count).as_numpy_iterator())
    stacked = {
        name: np.stack([batch[0][name] for batch in batches])
        for name in FEATURES
    }
    stacked["mlm"] = np.stack([batch[1]["mlm"] for batch in batches])
    stacked["nsp"] = np.stack([batch[1]["nsp"] for batch in batches])
    stacked["mlm_weights"] = np.stack([batch[2]["mlm"] for batch in batches])
    return stacked


def _take(dataset, count):
    """`count` batches as stacked arrays, compactly typed."""
    stacked = stack_batches(dataset, count)
    return {
        "token_ids": stacked["token_ids"].astype("uint16"),
        "segment_ids": np.packbits(stacked["segment_ids"].astype(bool), -1),
        "padding_mask": np.packbits(stacked["padding_mask"].astype(bool), -1),
        "mask_positions": stacked["mask_positions"].astype("uint16"),
        "mlm": stacked["mlm"].astype("uint16"),
        "nsp": stacked["nsp"].astype("uint8"),
        "mlm_weights": np.packbits(stacked["mlm_weights"] > 0, -1),
    }


def _restore(arrays, prefix):
    """The int32/float32 batches `_take` packed, as (steps, batch, ...)."""
    ids = arrays[f"{prefix}token_ids"].astype("int32")
    length = ids.shape[-1]
    predictions = arrays[f"{prefix}mlm"].shape[-1]

    def unpack(name, count, dtype):
        bits = np.unpackbits(arrays[f"{prefix}{name}"], -1, count=count)
        return bits.astype(dtype)

    return {
        "token_ids": ids,
        "segment_ids": unpack("segment_ids", length, "int32"),
        "padding_mask": unpack("padding_mask", length, "int32"),
        "mask_positions": arrays[f"{prefix}mask_positions"].astype("int32"),
        "mlm": arrays[f"{prefix}mlm"].astype("int32"),
        "nsp": arrays[f"{prefix}nsp"].astype("int32"),
        "mlm_weights": unpack("mlm_weights", predictions, "float32"),
    }


def prepare(args):
    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.data.tokenized_corpus import tokenize_corpus_file
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(args.vocab)
    corpus = tokenize_corpus_file(
        args.corpus, vocabulary, cache_dir=os.path.dirname(args.output)
    )
    arrays = {}
    for phase, (length, predictions, steps) in enumerate(args.phase):
        started = time.time()
        dataset = make_pretraining_dataset(
            corpus,
            vocabulary,
            batch_size=args.batch_size,
            max_seq_length=length,
            max_predictions_per_seq=predictions,
            seed=args.seed * 1000 + phase,
        )
        for name, value in _take(dataset, steps).items():
            arrays[f"len{length}_{name}"] = value
        print(
            f"phase {phase}: {steps} batches of {args.batch_size} x {length} "
            f"in {time.time() - started:.0f} s",
            flush=True,
        )
    heldout = tokenize_corpus_file(args.heldout_corpus, vocabulary)
    dataset = make_pretraining_dataset(
        heldout,
        vocabulary,
        batch_size=32,
        max_seq_length=args.heldout_max_seq_length,
        max_predictions_per_seq=HELDOUT_MAX_PREDICTIONS,
        seed=HELDOUT_SEED,
    )
    for name, value in _take(dataset, args.heldout_batches).items():
        arrays[f"heldout_{name}"] = value
    arrays["vocabulary_size"] = np.array(len(vocabulary))
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    np.savez_compressed(args.output, **arrays)
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1e6:.1f} MB)")


def _batch(data, step):
    features = {name: data[name][step] for name in FEATURES}
    labels = {"mlm": data["mlm"][step], "nsp": data["nsp"][step]}
    return features, labels, {"mlm": data["mlm_weights"][step]}


def _heldout_scores(model, heldout):
    """Weighted MLM / NSP scores over all held-out batches at once, as
    `model.evaluate` aggregates them in `evaluate_fill_mask.py`."""
    flat = {
        name: value.reshape(-1, *value.shape[2:])
        for name, value in heldout.items()
    }
    features = {name: flat[name] for name in FEATURES}
    return model.evaluate(
        features,
        {"mlm": flat["mlm"], "nsp": flat["nsp"]},
        # Keras' array adapter wants a weight per output; NSP's are all 1.
        sample_weight={
            "mlm": flat["mlm_weights"],
            "nsp": np.ones(flat["nsp"].shape, "float32"),
        },
        batch_size=heldout["token_ids"].shape[1],
        verbose=0,
        return_dict=True,
    )


def train_recipe(recipe, arrays, args):
    import keras

    from kbert import presets
    from kbert.models import BertBackbone, BertPretrainer
    from kbert.training.optimizer import make_optimizer

    keras.utils.set_random_seed(args.seed)
    overrides = {
        name: recipe[name]
        for name in ("dropout", "attention_dropout")
        if name in recipe
    }
    config = presets.preset_config(
        args.preset,
        vocabulary_size=int(arrays["vocabulary_size"]),
        **overrides,
    )
    model = BertPretrainer(BertBackbone(**config))
    total_steps = sum(steps for _, steps in recipe["phases"])
    model.compile(
        optimizer=make_optimizer(
            recipe["learning_rate"],
            total_steps=total_steps,
            warmup_steps=recipe.get("warmup_steps", 0),
        ),
        jit_compile=True,
    )
    heldout = _restore(arrays, "heldout_")
    step, started, curve = 0, time.time(), []
    for length, steps in recipe["phases"]:
        data = _restore(arrays, f"len{length}_")
        available = len(data["token_ids"])
        if steps > available:
            raise ValueError(
                f"Recipe {recipe['name']!r} asks for {steps} steps at length "
                f"{length}; the data holds {available}."
            )
        for phase_step in range(steps):
            model.train_on_batch(*_batch(data, phase_step))
            step += 1
            if step % args.eval_every == 0 or step == total_steps:
                scores = _heldout_scores(model, heldout)
                curve.append(
                    {
                        "step": step,
                        "mlm_accuracy": scores["mlm_accuracy"],
                        "nsp_accuracy": scores["nsp_accuracy"],
                    }
                )
                print(
                    f"  {recipe['name']} step {step}: held-out MLM "
                    f"{scores['mlm_accuracy']:.1%}, NSP "
                    f"{scores['nsp_accuracy']:.1%} "
                    f"({time.time() - started:.0f} s)",
                    flush=True,
                )
    return {"recipe": recipe, "curve": curve}


def train(args):
    import keras

    arrays = dict(np.load(args.data))
    print(f"backend {keras.backend.backend()}, preset {args.preset}")
    results = []
    for text in args.recipe:
        recipe = json.loads(text)
        results.append(train_recipe(recipe, arrays, args))
    if args.output:
        with open(args.output, "w") as file:
            json.dump(results, file, indent=1)
    print("recipe: final held-out MLM / NSP accuracy")
    for result in results:
        last = result["curve"][-1]
        print(
            f"  {result['recipe']['name']}: {last['mlm_accuracy']:.1%} / "
            f"{last['nsp_accuracy']:.1%} after {last['step']} steps"
        )


def _phase(text):
    try:
        length, predictions, steps = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"A phase is LENGTH:PREDICTIONS:STEPS such as 128:20:2500; "
            f"received {text!r}."
        ) from None
    return length, predictions, steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("prepare")
    make.add_argument("--corpus", required=True)
    make.add_argument("--vocab", required=True)
    make.add_argument("--heldout-corpus", required=True)
    make.add_argument("--phase", type=_phase, action="append", required=True)
    make.add_argument("--batch-size", type=int, default=32)
    make.add_argument("--heldout-batches", type=int, default=20)
    make.add_argument("--heldout-max-seq-length", type=int, default=128)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--output", required=True)
    run = commands.add_parser("train")
    run.add_argument("--data", required=True)
    run.add_argument("--preset", default="bert_mini")
    run.add_argument("--recipe", action="append", required=True)
    run.add_argument("--eval-every", type=int, default=500)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--output")
    args = parser.parse_args()
    prepare(args) if args.command == "prepare" else train(args)


if __name__ == "__main__":
    main()
