"""The sides of `serving_benchmark.py`, each a long-lived worker process.

    python serving_workers.py kbert|hf|ort|ort_int8 --models DIR \
        --inputs FILE --threads N
    python serving_workers.py export-onnx --models DIR

Only the standard library is imported at the top: the `hf` and `ort` sides
run under the reference virtual environment (transformers, torch,
onnxruntime, onnx), which has neither kbert nor TensorFlow, and the `kbert`
side needs neither kbert nor transformers, only TensorFlow.

The `kbert` side blocks `tensorflow_text` (`sys.modules["tensorflow_text"] =
None` before TensorFlow is imported), as stock TF Serving lacks its custom
ops: the SavedModels must load and answer without them.

`export-onnx` (run once, under the reference environment, before the
workers start) writes `DIR/onnx/{qa,pair}.onnx` from the Hugging Face
checkpoints `DIR/hf_qa`, `DIR/hf_pair` with torch's TorchScript exporter,
and `{qa,pair}_int8.onnx` from them by ONNX Runtime's dynamic quantisation.

Protocol (one JSON object a line): the worker loads its models, warms up and
writes `{"ready": ...}`; then for each request line `{"task": "qa"|"pair",
"batch": B, "items": [indices]}` it answers the items in calls of B examples,
timing each call, and writes `{"seconds": [per call], "outputs": [per
example]}`; an empty line or end of input ends it. Libraries print to
stdout, so the protocol gets a private copy of it and stdout goes to stderr.
"""

import argparse
import functools
import json
import os
import sys
import time

SIDES = ("kbert", "kbert_xla", "hf", "ort", "ort_int8")
WARMUP_CALLS = 3
QA_SETTINGS = {
    "max_seq_len": 384,
    "doc_stride": 128,
    "max_question_len": 64,
    "max_answer_len": 30,
    "top_k": 1,
    # kbert answers the best token span; HF would widen it to whole words.
    "align_to_words": False,
}
PAIR_MAX_LENGTH = 128  # kbert's pair signature packs at most 128 tokens
N_BEST_SIZE = 20  # starts and ends considered per window (kbert's export)
PADDING_LOGIT = -1e9  # kbert's logit on padding positions
ONNX_OPSET = 17


def kbert_side(models, threads, variant=""):
    """`{task: answer(examples)}` over the exported SavedModels (`variant`
    "_xla": the `export --xla` ones)."""
    sys.modules["tensorflow_text"] = None  # `import tensorflow_text` fails
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    qa = tf.saved_model.load(os.path.join(models, "qa" + variant, "1"))
    pair = tf.saved_model.load(os.path.join(models, "pair" + variant, "1"))
    serve_qa = qa.signatures["serving_default"]
    serve_pair = pair.signatures["serving_default"]

    def answer_qa(examples):
        outputs = serve_qa(
            question=tf.constant([e["question"] for e in examples]),
            context=tf.constant([e["context"] for e in examples]),
        )
        return [
            {"answer": answer.decode("utf-8"), "start": int(start),
             "end": int(end)}
            for answer, start, end in zip(
                outputs["answer"].numpy(),
                outputs["start"].numpy(),
                outputs["end"].numpy(),
            )
        ]

    def answer_pair(examples):
        outputs = serve_pair(
            text_a=tf.constant([e["text_a"] for e in examples]),
            text_b=tf.constant([e["text_b"] for e in examples]),
        )
        return [
            {"label": label.decode("utf-8")}
            for label in outputs["label"].numpy()
        ]

    return {"qa": answer_qa, "pair": answer_pair}, {
        "tensorflow": tf.__version__,
        "tensorflow_text_blocked": sys.modules["tensorflow_text"] is None,
    }


def _load_checked(auto_class, directory):
    """Loads a task model, insisting that every weight came from the file
    (a missing head would be randomly initialised and break the
    same-weights comparison)."""
    model, info = auto_class.from_pretrained(
        directory, output_loading_info=True
    )
    missing = info["missing_keys"] + info["mismatched_keys"]
    if missing:
        raise RuntimeError(
            f"{directory}: weights missing from the checkpoint: {missing}"
        )
    return model.eval()


def hf_side(models, threads):
    """`{task: answer(examples)}` over Hugging Face pipelines (torch CPU)."""
    import torch
    import transformers
    from transformers import (
        AutoModelForQuestionAnswering,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        pipeline,
    )

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    qa_dir = os.path.join(models, "hf_qa")
    pair_dir = os.path.join(models, "hf_pair")
    qa = pipeline(
        "question-answering",
        model=_load_checked(AutoModelForQuestionAnswering, qa_dir),
        tokenizer=AutoTokenizer.from_pretrained(qa_dir),
        device=-1,
    )
    pair = pipeline(
        "text-classification",
        model=_load_checked(AutoModelForSequenceClassification, pair_dir),
        tokenizer=AutoTokenizer.from_pretrained(pair_dir),
        device=-1,
    )

    def answer_qa(examples):
        if len(examples) == 1:  # one request, as a client sends it
            results = [
                qa(
                    question=examples[0]["question"],
                    context=examples[0]["context"],
                    **QA_SETTINGS,
                )
            ]
        else:
            results = qa(
                question=[e["question"] for e in examples],
                context=[e["context"] for e in examples],
                batch_size=len(examples),
                **QA_SETTINGS,
            )
        return [
            {"answer": r["answer"], "start": r["start"], "end": r["end"]}
            for r in results
        ]

    def answer_pair(examples):
        inputs = [
            {"text": e["text_a"], "text_pair": e["text_b"]} for e in examples
        ]
        results = pair(
            inputs[0] if len(inputs) == 1 else inputs,
            batch_size=len(inputs),
            truncation=True,
            max_length=PAIR_MAX_LENGTH,
        )
        if isinstance(results, dict):
            results = [results]
        return [{"label": r["label"]} for r in results]

    return {"qa": answer_qa, "pair": answer_pair}, {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizer_is_fast": qa.tokenizer.is_fast,
    }


def onnx_path(models, task, quantized=False):
    """Where `export-onnx` writes the ONNX file of `task` ("qa", "pair")."""
    return os.path.join(
        models, "onnx", f"{task}{'_int8' if quantized else ''}.onnx"
    )


def export_onnx(models):
    """Writes the ONNX files of both HF checkpoints, fp32 and int8.

    torch's TorchScript exporter (`dynamo=False`): the torch.export-based
    default of torch >= 2.9 needs onnxscript, which the reference
    environment lacks. Batch and sequence axes are dynamic. The int8 files
    are `quantize_dynamic` of the fp32 ones: int8 weights (QInt8), the
    activations' scales computed at run time.
    """
    import torch
    from transformers import (
        AutoModelForQuestionAnswering,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ModuleNotFoundError as error:
        raise SystemExit(
            f"ONNX Runtime's quantisation needs {error.name!r}, missing "
            f"from {sys.executable}: install it there ({sys.executable} -m "
            f"pip install {error.name})."
        ) from error

    os.makedirs(os.path.join(models, "onnx"), exist_ok=True)
    input_names = ["input_ids", "attention_mask", "token_type_ids"]
    tasks = {
        "qa": (AutoModelForQuestionAnswering, ["start_logits", "end_logits"]),
        "pair": (AutoModelForSequenceClassification, ["logits"]),
    }
    for task, (auto_class, output_names) in tasks.items():
        directory = os.path.join(models, f"hf_{task}")
        model = _load_checked(auto_class, directory)
        # Two rows of different lengths, so the traced graph masks padding.
        example = AutoTokenizer.from_pretrained(directory)(
            ["Who wrote it?", "When was the treaty signed?"],
            ["The report.", "It was signed in Paris in 1951."],
            padding=True,
            return_tensors="pt",
        )
        torch.onnx.export(
            model,
            tuple(example[name] for name in input_names),
            onnx_path(models, task),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes={
                name: {0: "batch", 1: "sequence"} for name in input_names
            }
            | {name: {0: "batch"} for name in output_names},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
        quantize_dynamic(
            onnx_path(models, task),
            onnx_path(models, task, quantized=True),
            weight_type=QuantType.QInt8,
        )


def qa_windows(tokenizer, examples):
    """kbert's QA windows over the HF fast tokenizer's tokens.

    As `kbert.data.squad_features` and the QA signature cut them: the
    question to 64 tokens, `[CLS] question [SEP] context [SEP]` at most 384
    tokens, windows `min(room, 128)` context tokens apart. Question and
    context are tokenized apart, in one call each for the batch (HF's
    `return_overflowing_tokens` takes one `stride`, the overlap of windows,
    while kbert's step is fixed and its overlap depends on the question).

    Returns:
        `(features, windows, offsets)`: int64 `[W, T]` arrays `input_ids`,
        `attention_mask`, `token_type_ids`, padded to the longest window;
        a list of dicts, one per window: `example`, `first`, `last` (its
        context tokens `first:last`), `doc_start` (its first context
        position); and per example the character span of each context
        token.
    """
    import numpy as np

    questions = tokenizer(
        [e["question"] for e in examples], add_special_tokens=False
    )["input_ids"]
    encoded = tokenizer(
        [e["context"] for e in examples],
        add_special_tokens=False,
        return_offsets_mapping=True,
    )
    contexts = encoded["input_ids"]
    rows, windows = [], []
    for index, (query, doc) in enumerate(zip(questions, contexts)):
        query = query[: QA_SETTINGS["max_question_len"]]
        room = QA_SETTINGS["max_seq_len"] - len(query) - 3
        step = min(room, QA_SETTINGS["doc_stride"])
        for first in range(0, max(len(doc) - room, 0) + step, step):
            last = min(first + room, len(doc))
            rows.append(
                [tokenizer.cls_token_id, *query, tokenizer.sep_token_id,
                 *doc[first:last], tokenizer.sep_token_id]
            )
            windows.append({"example": index, "first": first, "last": last,
                            "doc_start": len(query) + 2})
    width = max(len(row) for row in rows)
    features = {
        name: np.zeros((len(rows), width), np.int64)
        for name in ("input_ids", "attention_mask", "token_type_ids")
    }
    for row, (ids, window) in enumerate(zip(rows, windows)):
        features["input_ids"][row, : len(ids)] = ids
        features["attention_mask"][row, : len(ids)] = 1
        features["token_type_ids"][row, window["doc_start"]: len(ids)] = 1
    return features, windows, encoded["offset_mapping"]


def has_max_context(siblings, window, position):
    """Whether `window` gives context token `position` its most context
    among `siblings`, the windows of its question: BERT's score min(left,
    right) + 0.01 * window length, the first window winning ties."""
    best, best_score = None, None
    for other in siblings:
        if not other["first"] <= position < other["last"]:
            continue
        score = min(position - other["first"], other["last"] - 1 - position)
        score += 0.01 * (other["last"] - other["first"])
        if best_score is None or score > best_score:
            best, best_score = other, score
    return best is window


def best_spans(windows, start_logits, end_logits, num_examples):
    """kbert's span rules (`decode_answers`) on the ORT logits `[W, T]`.

    Per window the 20 highest starts and ends (padding ranked last, as
    kbert's padding logit puts it); a start in the context where its
    window gives it most context, an end in the context at or after it, at
    most 30 tokens; score = start + end logit; the best score of all
    windows wins, equal scores going to the earliest span.

    Returns:
        A `(score, first_token, last_token)` per example, token indices
        into its context's tokens; None where no span fits.
    """
    import numpy as np

    siblings = [[] for _ in range(num_examples)]
    for window in windows:
        siblings[window["example"]].append(window)
    best = [None] * num_examples
    for row, window in enumerate(windows):
        several = len(siblings[window["example"]]) > 1
        doc_start = window["doc_start"]
        doc_end = doc_start + window["last"] - window["first"]  # exclusive
        starts = np.argsort(-start_logits[row], kind="stable")
        ends = np.argsort(-end_logits[row], kind="stable")
        for start in starts[:N_BEST_SIZE]:
            position = window["first"] + start - doc_start
            if not doc_start <= start < doc_end:
                continue
            if several and not has_max_context(
                siblings[window["example"]], window, position
            ):
                continue
            for end in ends[:N_BEST_SIZE]:
                if not doc_start <= end < doc_end or end < start:
                    continue
                if end - start + 1 > QA_SETTINGS["max_answer_len"]:
                    continue
                score = float(start_logits[row, start] + end_logits[row, end])
                span = (position, window["first"] + end - doc_start)
                found = best[window["example"]]
                if found is None or (-score, span) < (-found[0], found[1:]):
                    best[window["example"]] = (score, *span)
    return best


def null_scores(windows, start_logits, end_logits, num_examples):
    """Per example, the lowest `[CLS]` score (start + end logit at 0) of
    its windows, as kbert's export takes it."""
    nulls = [float("inf")] * num_examples
    for row, window in enumerate(windows):
        score = float(start_logits[row, 0] + end_logits[row, 0])
        example = window["example"]
        nulls[example] = min(nulls[example], score)
    return nulls


def ort_side(models, threads, quantized=False):
    """`{task: answer(examples)}` over ONNX Runtime sessions (CPU) and the
    HF fast tokenizer, decoding spans as kbert does."""
    import numpy as np
    import onnxruntime
    import transformers
    from transformers import AutoTokenizer

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = (
        onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    )
    options.intra_op_num_threads = threads
    # Sequential execution (the default) runs one node at a time and never
    # uses the inter-op pool.
    options.inter_op_num_threads = 1
    if os.environ.get("OMP_WAIT_POLICY") == "PASSIVE":
        # ORT's own pool spins between nodes unless told not to, as OpenMP
        # threads do under OMP_WAIT_POLICY=ACTIVE.
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", "0"
        )

    def session(task):
        return onnxruntime.InferenceSession(
            onnx_path(models, task, quantized),
            options,
            providers=["CPUExecutionProvider"],
        )

    qa_session, pair_session = session("qa"), session("pair")
    qa_tokenizer = AutoTokenizer.from_pretrained(os.path.join(models, "hf_qa"))
    pair_dir = os.path.join(models, "hf_pair")
    pair_tokenizer = AutoTokenizer.from_pretrained(pair_dir)
    with open(os.path.join(pair_dir, "config.json"), encoding="utf-8") as file:
        id2label = json.load(file)["id2label"]
    qa_config = os.path.join(models, "hf_qa", "config.json")
    with open(qa_config, encoding="utf-8") as file:
        threshold = json.load(file).get("kbert_no_answer_threshold")

    def answer_qa(examples):
        features, windows, offsets = qa_windows(qa_tokenizer, examples)
        start_logits, end_logits = qa_session.run(
            ["start_logits", "end_logits"], features
        )
        padding = features["attention_mask"] == 0
        start_logits = np.where(padding, PADDING_LOGIT, start_logits)
        end_logits = np.where(padding, PADDING_LOGIT, end_logits)
        spans = best_spans(windows, start_logits, end_logits, len(examples))
        nulls = null_scores(windows, start_logits, end_logits, len(examples))
        outputs = []
        for example, span, null, offset in zip(
            examples, spans, nulls, offsets
        ):
            # kbert's SQuAD 2.0 rule: no answer when the [CLS] score beats
            # the best span's by more than the threshold.
            if span is None or (
                threshold is not None and null - span[0] > threshold
            ):
                outputs.append({"answer": "", "start": -1, "end": -1})
                continue
            start, end = offset[span[1]][0], offset[span[2]][1]
            outputs.append(
                {"answer": example["context"][start:end], "start": start,
                 "end": end}
            )
        return outputs

    def answer_pair(examples):
        features = pair_tokenizer(
            [e["text_a"] for e in examples],
            [e["text_b"] for e in examples],
            truncation=True,
            max_length=PAIR_MAX_LENGTH,
            padding=True,
            return_tensors="np",
        )
        (logits,) = pair_session.run(
            ["logits"],
            {
                name: features[name].astype(np.int64)
                for name in ("input_ids", "attention_mask", "token_type_ids")
            },
        )
        return [{"label": id2label[str(i)]} for i in logits.argmax(axis=-1)]

    return {"qa": answer_qa, "pair": answer_pair}, {
        "onnxruntime": onnxruntime.__version__,
        "transformers": transformers.__version__,
        "quantized": quantized,
        "tokenizer_is_fast": qa_tokenizer.is_fast,
    }


def run(answer, request, inputs):
    """Answers `request["items"]` of `inputs` in calls of `batch`."""
    task, batch = request["task"], request["batch"]
    examples = [inputs[task][index] for index in request["items"]]
    seconds, outputs = [], []
    for first in range(0, len(examples), batch):
        chunk = examples[first:first + batch]
        start = time.perf_counter()
        answers = answer[task](chunk)
        seconds.append(time.perf_counter() - start)
        outputs.extend(answers)
    return {"seconds": seconds, "outputs": outputs}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("side", choices=(*SIDES, "export-onnx"))
    parser.add_argument("--models", required=True)
    parser.add_argument("--inputs", help="required by the sides")
    parser.add_argument("--threads", type=int, help="required by the sides")
    parser.add_argument("--warmup-batch", type=int, default=32)
    args = parser.parse_args()
    if args.side == "export-onnx":
        export_onnx(args.models)
        return
    if args.inputs is None or args.threads is None:
        parser.error(f"the {args.side} side needs --inputs and --threads")

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    with open(args.inputs, encoding="utf-8") as file:
        inputs = json.load(file)
    side = {
        "kbert": kbert_side,
        "kbert_xla": functools.partial(kbert_side, variant="_xla"),
        "hf": hf_side,
        "ort": ort_side,
        "ort_int8": functools.partial(ort_side, quantized=True),
    }[args.side]
    answer, versions = side(args.models, args.threads)
    # Warm-up: graph optimisation, thread pools, allocator, both batch sizes.
    # XLA compiles once per padded shape: kbert_xla sees every input once
    # at both batch sizes first, as a server warmed up on each length
    # bucket would be (TF Serving's warm-up requests).
    warm = len(inputs["qa"]) if args.side == "kbert_xla" else WARMUP_CALLS
    for task in ("qa", "pair"):
        for index in range(min(warm, len(inputs[task]))):
            answer[task]([inputs[task][index]])
        for first in range(0, warm, args.warmup_batch):
            answer[task](inputs[task][first : first + args.warmup_batch])
    protocol.write(json.dumps({"ready": True, **versions}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            break
        protocol.write(json.dumps(run(answer, json.loads(line), inputs)) + "\n")


if __name__ == "__main__":
    main()
