"""Pretraining fidelity: kbert against Hugging Face `BertForPreTraining`.

The same configuration, the same batches and the same hyper-parameters on
both sides, for the same number of steps; then both trained models are
scored on the same held-out batches. Passes when the masked-LM losses are
within 2% of each other; also reports training tokens/s as a ratio.

Run by hand (a few minutes for bert_tiny on 2 cores):

    python -m tests.benchmarks.pretraining_fidelity_benchmark \
        [--preset bert_tiny] [--steps 300] \
        [--ref-python .venv-ref/bin/python]

- Data: WikiText-2 validation articles in Google's corpus format, the BERT
  uncased vocabulary, kbert's pipeline (NSP pairs, 15% masking 80/10/10,
  length 128, 20 predictions); `--steps` training batches and
  `--eval-batches` evaluation batches (another seed) are written to one
  `.npz` that both sides read, so HF trains on exactly kbert's data.
- kbert: `BertPretrainer` compiled with `make_optimizer` (BERT's AdamW,
  warmup then linear decay, clipping at 1.0) and `jit_compile`, as
  `python -m kbert pretrain` runs it.
- Hugging Face: `pretraining_fidelity_hf.py` under `--ref-python` (torch +
  transformers 4.57.6, never installed beside kbert), torch AdamW with the
  same settings, eager mode.

Both start from their own random initialisation (truncated normal in
kbert, normal in HF, std 0.02), so the losses agree statistically, not
bit for bit.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.reference_env import REFERENCE_PYTHON  # noqa: E402

DATA = REPO.parent / "shared" / "data"
HF_WORKER = Path(__file__).with_name("pretraining_fidelity_hf.py")
TOLERANCE = 0.02
UNTIMED_STEPS = 2  # kbert's first step compiles; both sides leave 2 out


def write_batches(path, vocabulary, args):
    """`args.steps` training and `args.eval_batches` evaluation batches."""
    import numpy as np

    from kbert.data.corpus_file import write_corpus
    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.data.tokenized_corpus import tokenize_corpus_file
    from kbert.data.wikitext import read_wikitext
    from tests.benchmarks.pretraining_sweep import stack_batches

    corpus_path = path.with_name("corpus.txt")
    write_corpus(
        read_wikitext(DATA / "wikitext-2" / "wiki.valid.tokens.gz"),
        corpus_path,
    )
    corpus = tokenize_corpus_file(corpus_path, vocabulary)

    def take(seed, count):
        dataset = make_pretraining_dataset(
            corpus, vocabulary, batch_size=args.batch_size,
            max_seq_length=args.max_seq_length,
            max_predictions_per_seq=args.max_predictions, seed=seed,
        )
        return stack_batches(dataset, count)

    train = take(args.seed, args.steps)
    evaluation = take(args.seed + 1000, args.eval_batches)
    np.savez(path, **train, **{f"eval_{k}": v for k, v in evaluation.items()})
    return train, evaluation


def kbert_side(config, train, evaluation, args):
    """Trains kbert on the batches; (seconds, held-out MLM loss)."""
    import keras
    import numpy as np

    from kbert.models import BertBackbone, BertPretrainer
    from kbert.training.optimizer import make_optimizer

    keras.utils.set_random_seed(args.seed)
    model = BertPretrainer(BertBackbone(**config))
    model.compile(
        optimizer=make_optimizer(
            args.learning_rate, args.steps, warmup_steps=args.warmup_steps
        ),
        jit_compile=True,
    )
    features = ("token_ids", "segment_ids", "padding_mask", "mask_positions")

    def batch(arrays, step):
        return {name: arrays[name][step] for name in features}

    for step in range(args.steps):
        if step == UNTIMED_STEPS:
            start = time.perf_counter()
        model.train_on_batch(
            batch(train, step),
            {"mlm": train["mlm"][step], "nsp": train["nsp"][step]},
            {"mlm": train["mlm_weights"][step]},
        )
    seconds = time.perf_counter() - start

    total = count = 0.0
    for step in range(args.eval_batches):
        logits = model.predict_on_batch(batch(evaluation, step))["mlm"]
        logits = logits - logits.max(-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        labels = evaluation["mlm"][step]
        losses = -np.take_along_axis(log_probs, labels[..., None], -1)[..., 0]
        weights = evaluation["mlm_weights"][step]
        total += float((losses * weights).sum())
        count += float(weights.sum())
    return seconds, total / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="bert_tiny")
    parser.add_argument("--steps", type=int, default=300,
                        help=f"training steps (> {UNTIMED_STEPS})")
    parser.add_argument("--eval-batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--max-predictions", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--warmup-steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--ref-python", default=str(REFERENCE_PYTHON),
                        help="python of an environment with torch 2.13 and "
                        "transformers 4.57.6")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    import keras

    from kbert import presets
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(
        DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"
    )
    config = dict(
        presets.preset_config(args.preset),
        vocabulary_size=len(vocabulary),
    )
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="fidelity-"))
    workdir.mkdir(parents=True, exist_ok=True)
    train, evaluation = write_batches(workdir / "batches.npz", vocabulary, args)
    (workdir / "config.json").write_text(json.dumps({
        **config, "steps": args.steps, "warmup_steps": args.warmup_steps,
        "learning_rate": args.learning_rate, "seed": args.seed,
        "threads": args.threads, "untimed_steps": UNTIMED_STEPS,
    }))

    environment = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    environment.pop("PYTHONPATH", None)  # the reference venv must not see kbert
    hf = subprocess.run([args.ref_python, str(HF_WORKER), str(workdir)],
                        env=environment)
    if hf.returncode != 0:
        sys.exit(f"the Hugging Face side failed (code {hf.returncode})")
    hf_result = json.loads((workdir / "hf.json").read_text())
    seconds, loss = kbert_side(config, train, evaluation, args)

    timed_steps = args.steps - UNTIMED_STEPS
    tokens = timed_steps * args.batch_size * args.max_seq_length
    difference = abs(loss - hf_result["eval_mlm_loss"]) / hf_result[
        "eval_mlm_loss"
    ]
    print(f"{args.preset}, {args.steps} steps of {args.batch_size} x "
          f"{args.max_seq_length}, lr {args.learning_rate}, warmup "
          f"{args.warmup_steps}; keras {keras.__version__} "
          f"({keras.backend.backend()}), torch {hf_result['torch']}")
    print(f"held-out MLM loss: kbert {loss:.4f}, HF "
          f"{hf_result['eval_mlm_loss']:.4f}, difference "
          f"{100 * difference:.2f}% (limit {100 * TOLERANCE:.0f}%): "
          f"{'PASS' if difference <= TOLERANCE else 'FAIL'}")
    print(f"training: kbert {tokens / seconds:,.0f} tokens/s, HF "
          f"{tokens / hf_result['seconds']:,.0f} tokens/s, ratio kbert/HF "
          f"{hf_result['seconds'] / seconds:.2f}")
    sys.exit(0 if difference <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
