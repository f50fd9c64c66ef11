"""Text-in SavedModels against Hugging Face and ONNX Runtime: latency,
throughput.

Run by hand (about 10 minutes on 2 cores with the four sides):

    python -m tests.benchmarks.serving_benchmark \
        [--model runs/minilm.keras] [--repeats 3] [--sides kbert hf ort]

Builds a `BertQuestionAnswerer` and a `BertClassifier` (2 classes) over the
backbone of `--model`, heads freshly initialised with a fixed seed (or
loads the trained ones of `--task-models QA PAIR`), exports both with
`export_saved_model`, plainly and with `xla=True`, and writes the same
weights as Hugging Face `BertForQuestionAnswering` /
`BertForSequenceClassification` checkpoints, and (when an ONNX side runs)
those as ONNX files, fp32 and int8
(`serving_workers.py export-onnx`). Then one worker process a side
(`serving_workers.py`) answers the same requests:

- kbert: `tf.saved_model.load(...).signatures["serving_default"]`, in a
  process where `import tensorflow_text` fails (it is blocked through
  `sys.modules` before TensorFlow loads), text in, answers out;
- kbert_xla: the same over the `export --xla` SavedModels (model part
  compiled by XLA; stock TF Serving runs them with
  `--xla_cpu_compilation_enabled`). XLA compiles once per padded shape, so
  this worker answers every input once at both batch sizes before the
  clock starts, as a server warmed up on its length buckets would;
- hf: `transformers.pipeline("question-answering")` and
  `pipeline("text-classification")` on torch CPU;
- ort: the HF fast tokenizer, an `onnxruntime.InferenceSession` (CPU,
  graph optimisation ALL) over the fp32 ONNX export of the HF checkpoint,
  and kbert's windows and span decoding in Python (NumPy);
- ort_int8: the same over `quantize_dynamic` of it (int8 weights, QInt8).

hf, ort and ort_int8 run under the reference environment `--ref-python`
(transformers, torch and onnxruntime are never installed beside kbert).
Each side gets `--threads` threads: TF and torch intra- and inter-op, ORT
intra-op (its inter-op pool serves only parallel execution, which is off),
and the HF tokenizers' Rayon pool. Inputs: SQuAD v1.1 dev questions spread
over its last 24 articles, and MRPC dev pairs. Rounds of requests alternate
between the workers, the first worker of each round rotating too (ABC BCA
CAB ...), so load from other processes falls on all alike. Latency is per
request at batch 1 (the client's view: text in, Python answer out);
throughput is examples/s when requests carry 32 examples; the table gives
each side's figures over kbert's. Answer agreement is each side's batch-1
answers against kbert's. Prints a table and writes the figures to `--json`.

Where the answers may differ (kbert's decoding is BERT's `run_squad`):
- HF widens a span to whole words unless `align_to_words=False` (set here);
  kbert answers the token span ("##ancy in Sweden" where HF would give
  "expectancy in Sweden").
- kbert looks for the best span among the 20 highest start and 20 highest
  end logits over the whole window, question included; HF scores every
  context span. With freshly initialised heads the logits are flat, so the
  best context start can rank past 20 (seen once in 128: rank 103).
- Across windows kbert compares raw logit sums and keeps a start only in
  the window giving it the most context; HF compares per-window softmax
  probabilities. HF's `doc_stride` is the overlap of windows, BERT's the
  step between them, so long contexts are cut differently (none of the
  default 128 questions needs a second window).
- ort and ort_int8 cut kbert's windows (question at most 64 tokens, 384 a
  window, 128 apart) and apply all of its span rules, so they differ from
  kbert only where the two tokenizers do (HF's `BertTokenizerFast` against
  kbert's in-graph one, same vocabulary), where ONNX Runtime's float
  arithmetic reorders a near tie, and, for ort_int8, where quantisation
  moves the logits enough to change the best span or label (often, with
  the heads' flat logits). Dynamic quantisation scales the activations
  by their range over the whole call, so ort_int8's answers also depend on
  the other examples of a batch (its batch-32 answers differ from its
  batch-1 ones).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.serving_workers import QA_SETTINGS, SIDES
from tests.reference_env import REFERENCE_PYTHON

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
WORKERS = Path(__file__).resolve().parent / "serving_workers.py"
TASKS = ("qa", "pair")
# Sides with no SQuAD 2.0 no-answer threshold: QA agreement counts only the
# questions kbert answers.
SIDES_WITHOUT_NO_ANSWER = ("hf",)
PAIR_LABELS = ("not_equivalent", "equivalent")
LATENCY_ROUND = 8  # batch-1 requests per round of one worker


def read_inputs(num_questions, num_pairs):
    """SQuAD dev questions (last 24 articles, evenly spread) and MRPC dev
    pairs, as the JSON both workers read."""
    from kbert.data.glue import read_glue
    from kbert.data.squad import read_squad

    squad = read_squad(
        DATA / "squad_v1.1" / "dev-v1.1.json.gz", articles=slice(-24, None)
    )
    step = max(len(squad) // num_questions, 1)
    questions = squad[::step][:num_questions]
    pairs = read_glue("mrpc", DATA / "glue" / "MRPC" / "dev.tsv")[:num_pairs]
    return {
        "qa": [
            {"question": e.question, "context": e.context} for e in questions
        ],
        "pair": [{"text_a": e.text_a, "text_b": e.text_b} for e in pairs],
    }


def write_hf_task_checkpoint(backbone, heads, architecture, directory,
                             extra_config=None):
    """`save_hf_checkpoint(backbone)` turned into a task checkpoint.

    The backbone's tensors move under `bert.` (the task models' prefix),
    `heads` (Hugging Face names -> arrays) are added, and `config.json`
    names `architecture`. `BertForQuestionAnswering` has no pooler, so its
    checkpoint drops the pooler's tensors.
    """
    import numpy as np
    from safetensors.numpy import load_file, save_file

    from kbert.convert.hf_checkpoint import save_hf_checkpoint

    save_hf_checkpoint(backbone, directory)
    weights = os.path.join(directory, "model.safetensors")
    keep_pooler = architecture != "BertForQuestionAnswering"
    tensors = {
        "bert." + name: value
        for name, value in load_file(weights).items()
        if keep_pooler or not name.startswith("pooler.")
    }
    for name, value in heads.items():
        tensors[name] = np.ascontiguousarray(value, np.float32)
    save_file(tensors, weights, metadata={"format": "pt"})
    config_path = os.path.join(directory, "config.json")
    with open(config_path, encoding="utf-8") as file:
        config = json.load(file)
    config.update(architectures=[architecture], **(extra_config or {}))
    with open(config_path, "w", encoding="utf-8") as file:
        json.dump(config, file, indent=2)


def build_models(model_path, root, seed, task_models=None):
    """Exports both SavedModels (plain and `xla=True`) and writes both HF
    checkpoints under root: heads seeded over the backbone of `model_path`,
    or the trained `(qa, pair)` models of `task_models`."""
    import keras

    from kbert.export import export_saved_model
    from kbert.models import BertClassifier, BertQuestionAnswerer
    from kbert.saving import backbone_of, load_model

    if task_models:
        answerer, classifier = (load_model(path) for path in task_models)
    else:
        backbone = backbone_of(load_model(model_path))
        keras.utils.set_random_seed(seed)
        answerer = BertQuestionAnswerer(backbone)
        classifier = BertClassifier(backbone, 2, label_names=PAIR_LABELS)
    for variant, xla in (("", False), ("_xla", True)):
        export_saved_model(answerer, str(root / f"qa{variant}" / "1"), xla=xla)
        export_saved_model(
            classifier, str(root / f"pair{variant}" / "1"), xla=xla
        )
    labels = classifier.label_names or PAIR_LABELS

    # Keras kernels are (in, out); torch Linear weights are (out, in).
    span = answerer.span_dense
    write_hf_task_checkpoint(
        answerer.backbone,
        {
            "qa_outputs.weight": keras.ops.convert_to_numpy(span.kernel).T,
            "qa_outputs.bias": keras.ops.convert_to_numpy(span.bias),
        },
        "BertForQuestionAnswering",
        root / "hf_qa",
        # A SQuAD 2.0 model's: the ORT side applies it as kbert's export
        # does (`transformers`' pipeline has no such threshold).
        {"kbert_no_answer_threshold": answerer.no_answer_threshold},
    )
    dense = classifier.classifier_dense
    write_hf_task_checkpoint(
        classifier.backbone,
        {
            "classifier.weight": keras.ops.convert_to_numpy(dense.kernel).T,
            "classifier.bias": keras.ops.convert_to_numpy(dense.bias),
        },
        "BertForSequenceClassification",
        root / "hf_pair",
        {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {name: i for i, name in enumerate(labels)},
        },
    )


def worker_env(**settings):
    """The environment of a `serving_workers.py` process: offline, quiet,
    without kbert on its path and without TensorFlow in transformers."""
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TRANSFORMERS_VERBOSITY="error",
        # transformers would import the TensorFlow it sees through the
        # reference venv's system site packages.
        USE_TF="0",
        **settings,
    )
    env.pop("PYTHONPATH", None)  # the reference venv must not see kbert
    return env


def export_onnx(root, python):
    """The ONNX files of both HF checkpoints (fp32, int8), under the
    reference environment; skipped when they are there."""
    if (root / "onnx" / "pair_int8.onnx").exists():
        return
    print(f"exporting ONNX files to {root / 'onnx'} ...", flush=True)
    subprocess.run(
        [python, str(WORKERS), "export-onnx", "--models", str(root)],
        check=True,
        env=worker_env(),
        cwd=root,
        stdout=sys.stderr,  # torch's exporter prints
    )


class Worker:
    """One side's worker process: send a request, read its answer."""

    def __init__(self, side, python, root, threads, omp_wait_policy):
        env = worker_env(
            OMP_NUM_THREADS=str(threads),
            OMP_WAIT_POLICY=omp_wait_policy,
            RAYON_NUM_THREADS=str(threads),  # HF tokenizers' batch pool
        )
        self.side = side
        self.process = subprocess.Popen(
            [python, str(WORKERS), side, "--models", str(root),
             "--inputs", str(root / "inputs.json"),
             "--threads", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=root,
        )

    def read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"The {self.side} worker exited (code "
                f"{self.process.wait()}); its error is printed above."
            )
        return json.loads(line)

    def ask(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def rounds(count, batch):
    """Requests for one pass over `count` examples, one per round."""
    size = LATENCY_ROUND if batch == 1 else batch
    usable = count if batch == 1 else count - count % batch
    for first in range(0, usable, size):
        yield list(range(first, min(first + size, usable)))


def measure(workers, inputs, repeats):
    """Interleaved rounds, the first worker rotating (ABC BCA CAB ...);
    returns `{side: {(task, batch): {...}}}`."""
    sides = list(workers)
    results = {
        side: {
            (task, batch): {"seconds": [], "examples": 0, "outputs": None}
            for task in TASKS
            for batch in (1, 32)
        }
        for side in sides
    }
    turn = 0
    for _ in range(repeats):
        for batch in (1, 32):
            for task in TASKS:
                outputs = {side: [] for side in sides}
                for items in rounds(len(inputs[task]), batch):
                    first = turn % len(sides)
                    order = sides[first:] + sides[:first]
                    turn += 1
                    for side in order:
                        answer = workers[side].ask(
                            {"task": task, "batch": batch, "items": items}
                        )
                        entry = results[side][(task, batch)]
                        entry["seconds"].extend(answer["seconds"])
                        entry["examples"] += len(items)
                        outputs[side].extend(answer["outputs"])
                for side in sides:
                    entry = results[side][(task, batch)]
                    if entry["outputs"] is None:
                        entry["outputs"] = outputs[side]
    return results


def summarise(results):
    """Latency percentiles (ms), throughput, and each side's over kbert's."""
    import numpy as np

    figures = {}
    for task in TASKS:
        row = {}
        for side in results:
            latency = np.array(results[side][(task, 1)]["seconds"]) * 1000
            batched = results[side][(task, 32)]
            row[side] = {
                "p50_ms": float(np.percentile(latency, 50)),
                "p99_ms": float(np.percentile(latency, 99)),
                "requests": int(latency.size),
                # nan when the inputs hold fewer than 32 examples.
                "throughput_per_s": batched["examples"]
                / sum(batched["seconds"])
                if batched["seconds"]
                else float("nan"),
                "batches": len(batched["seconds"]),
            }
        kbert = row["kbert"]
        for side in results:
            row[side]["over_kbert"] = {
                "p50": row[side]["p50_ms"] / kbert["p50_ms"],
                "p99": row[side]["p99_ms"] / kbert["p99_ms"],
                "throughput": row[side]["throughput_per_s"]
                / kbert["throughput_per_s"],
            }
        figures[task] = row
    return figures


def token_lengths(root, questions):
    """kbert's token counts of each question and each context, uncut."""
    from kbert.text import CoreBertTokenizer

    tokenizer = CoreBertTokenizer(str(root / "hf_qa" / "vocab.txt"))

    def lengths(texts):
        return [
            int(n)
            for n in tokenizer.tokenize(texts)["token_ids"].row_lengths()
        ]

    return (
        lengths([e["question"] for e in questions]),
        lengths([e["context"] for e in questions]),
    )


def room_for_context(query_length):
    """Context tokens a window holds beside `[CLS] question [SEP] [SEP]`."""
    question = min(query_length, QA_SETTINGS["max_question_len"])
    return QA_SETTINGS["max_seq_len"] - question - 3


def window_counts(root, questions):
    """kbert's windows per question (384 tokens, 128 apart, question cut to
    64 tokens): agreement is expected on one window, where both sides
    score the same spans; across windows they pick by different rules."""
    counts = []
    for query_length, doc_length in zip(*token_lengths(root, questions)):
        room = room_for_context(query_length)
        step = min(room, QA_SETTINGS["doc_stride"])
        counts.append(1 + (max(doc_length - room, 0) + step - 1) // step)
    return counts


def fraction(pairs):
    pairs = list(pairs)
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan")


def agreement(results, windows):
    """How often each side gives kbert's answer (batch-1 requests), and
    whether each side answers the same at batch 32 as at batch 1."""

    qa = {side: results[side][("qa", 1)]["outputs"] for side in results}
    pair = {side: results[side][("pair", 1)]["outputs"] for side in results}
    found = {}
    for side in results:
        if side == "kbert":
            continue
        answers = list(zip(qa["kbert"], qa[side], windows))
        if side in SIDES_WITHOUT_NO_ANSWER:
            # Only where kbert answers: this side always gives its best
            # span, while a SQuAD 2.0 model may abstain.
            answers = [a for a in answers if a[0]["start"] >= 0]
        found |= {
            f"{side}_qa_answer_identical": fraction(
                (k["answer"], o["answer"]) for k, o, _ in answers
            ),
            f"{side}_qa_span_identical": fraction(
                ((k["start"], k["end"]), (o["start"], o["end"]))
                for k, o, _ in answers
            ),
            f"{side}_qa_answer_identical_one_window": fraction(
                (k["answer"], o["answer"])
                for k, o, count in answers
                if count == 1
            ),
            f"{side}_qa_answer_identical_several_windows": fraction(
                (k["answer"], o["answer"])
                for k, o, count in answers
                if count > 1
            ),
            f"{side}_pair_label_identical": fraction(
                (k["label"], o["label"])
                for k, o in zip(pair["kbert"], pair[side])
            ),
        }
    for side in results:
        for task in TASKS:
            single = results[side][(task, 1)]["outputs"]
            batched = results[side][(task, 32)]["outputs"]
            found[f"{side}_{task}_batch32_equals_batch1"] = fraction(
                zip(single, batched)
            )
    return found


def disagreements(results, inputs, windows, limit=10):
    """Per side, the first QA questions on which it differs from kbert."""
    kbert = results["kbert"][("qa", 1)]["outputs"]
    return {
        side: [
            {"index": i, "question": inputs["qa"][i]["question"],
             "windows": windows[i], "kbert": k, side: o}
            for i, (k, o) in enumerate(
                zip(kbert, results[side][("qa", 1)]["outputs"])
            )
            if k["answer"] != o["answer"]
        ][:limit]
        for side in results
        if side != "kbert"
    }


def print_table(figures, found, threads, load):
    print(f"\nthreads: {threads} (TF intra/inter-op, torch intra/inter-op, "
          f"ORT intra-op); load average before/after: {load['before']} / "
          f"{load['after']}")
    header = (f"{'task':5s} {'side':8s} {'p50 ms':>8s} {'p99 ms':>8s} "
              f"{'ex/s @32':>9s} {'p50/kb':>7s} {'p99/kb':>7s} "
              f"{'ex/s/kb':>7s}")
    print(header)
    print("-" * len(header))
    for task, row in figures.items():
        for side, r in row.items():
            ratio = r["over_kbert"]
            print(f"{task:5s} {side:8s} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                  f"{r['throughput_per_s']:9.1f} {ratio['p50']:6.2f}x "
                  f"{ratio['p99']:6.2f}x {ratio['throughput']:6.2f}x")
    print("(p50/kb, p99/kb: latency over kbert's, below 1 is faster; "
          "ex/s/kb: throughput over kbert's, above 1 is faster)")
    print()
    width = max(len(name) for name in found)
    for name, value in found.items():
        print(f"{name:{width}s} {value:6.1%}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--model", default="runs/minilm.keras",
                        help="a kbert .keras file (its backbone is used)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="passes over the inputs (default 3)")
    parser.add_argument("--questions", type=int, default=128)
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--sides", nargs="+", choices=SIDES, default=list(SIDES),
        help="the workers to run (default: all); kbert, the one the\n"
             "others are measured against, always runs",
    )
    parser.add_argument(
        "--omp-wait-policy", default="PASSIVE", choices=("PASSIVE", "ACTIVE"),
        help="OMP_WAIT_POLICY of the workers; PASSIVE (default) keeps\n"
             "torch's OpenMP threads from spinning on a shared machine,\n"
             "which costs it several times its latency under load (and\n"
             "turns off the spinning of ORT's own thread pool)",
    )
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the task heads")
    parser.add_argument(
        "--task-models", nargs=2, metavar=("QA", "PAIR"),
        help="trained QA and pair .keras models to serve instead of\n"
             "seeded heads over --model, e.g. savedmodels/qa/model.keras\n"
             "savedmodels/paraphrase/model.keras (the bundled ones)",
    )
    parser.add_argument(
        "--ref-python", default=str(REFERENCE_PYTHON),
        help="python with transformers, torch, onnxruntime and onnx",
    )
    parser.add_argument("--workdir", default=None,
                        help="keep the models here (reused when present)")
    parser.add_argument("--json", default="serving_benchmark.json")
    args = parser.parse_args()
    for name in ("repeats", "questions", "pairs", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be positive, received "
                         f"{getattr(args, name)}")
    sides = [side for side in SIDES if side == "kbert" or side in args.sides]

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.workdir or scratch).resolve()
        if not (root / "hf_pair" / "config.json").exists():
            print(f"building the models in {root} ...", flush=True)
            build_models(args.model, root, args.seed, args.task_models)
        if any(side.startswith("ort") for side in sides):
            export_onnx(root, args.ref_python)
        inputs = read_inputs(args.questions, args.pairs)
        with open(root / "inputs.json", "w", encoding="utf-8") as file:
            json.dump(inputs, file)

        print("starting the workers (load and warm-up) ...", flush=True)
        workers = {
            side: Worker(
                side,
                sys.executable if side.startswith("kbert") else
                args.ref_python,
                root,
                args.threads,
                args.omp_wait_policy,
            )
            for side in sides
        }
        versions = {side: workers[side].read() for side in sides}
        load = {"before": os.getloadavg()}
        started = time.perf_counter()
        results = measure(workers, inputs, args.repeats)
        elapsed = time.perf_counter() - started
        load["after"] = os.getloadavg()
        for worker in workers.values():
            worker.close()
        windows = window_counts(root, inputs["qa"])

    figures = summarise(results)
    found = agreement(results, windows)
    load = {key: [round(x, 2) for x in value] for key, value in load.items()}
    print_table(figures, found, args.threads, load)
    report = {
        "figures": figures,
        "agreement": found,
        "qa_disagreements": disagreements(results, inputs, windows),
        "qa_questions_with_several_windows": sum(c > 1 for c in windows),
        "load_average": load,
        "measure_seconds": elapsed,
        "threads": args.threads,
        "omp_wait_policy": args.omp_wait_policy,
        "sides": sides,
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "questions": len(inputs["qa"]),
        "pairs": len(inputs["pair"]),
        "versions": versions,
        "model": args.model,
    }
    with open(args.json, "w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
    print(f"\nmeasured in {elapsed:.0f} s; figures written to {args.json}")


if __name__ == "__main__":
    main()
