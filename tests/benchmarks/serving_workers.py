"""The two sides of `serving_benchmark.py`, each a long-lived worker process.

    python serving_workers.py kbert|hf --models DIR --inputs FILE --threads N

Only the standard library is imported at the top: the `hf` side runs under
the reference virtual environment (transformers + torch), which has neither
kbert nor TensorFlow, and the `kbert` side needs neither kbert nor
transformers, only TensorFlow.

The `kbert` side blocks `tensorflow_text` (`sys.modules["tensorflow_text"] =
None` before TensorFlow is imported), as stock TF Serving lacks its custom
ops: the SavedModels must load and answer without them.

Protocol (one JSON object a line): the worker loads its models, warms up and
writes `{"ready": ...}`; then for each request line `{"task": "qa"|"pair",
"batch": B, "items": [indices]}` it answers the items in calls of B examples,
timing each call, and writes `{"seconds": [per call], "outputs": [per
example]}`; an empty line or end of input ends it. Libraries print to
stdout, so the protocol gets a private copy of it and stdout goes to stderr.
"""

import argparse
import json
import os
import sys
import time

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


def kbert_side(models, threads):
    """`{task: answer(examples)}` over the exported SavedModels."""
    sys.modules["tensorflow_text"] = None  # `import tensorflow_text` fails
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    qa = tf.saved_model.load(os.path.join(models, "qa", "1"))
    pair = tf.saved_model.load(os.path.join(models, "pair", "1"))
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("side", choices=("kbert", "hf"))
    parser.add_argument("--models", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--warmup-batch", type=int, default=32)
    args = parser.parse_args()

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    with open(args.inputs, encoding="utf-8") as file:
        inputs = json.load(file)
    side = kbert_side if args.side == "kbert" else hf_side
    answer, versions = side(args.models, args.threads)
    # Warm-up: graph optimisation, thread pools, allocator, both batch sizes.
    for task in ("qa", "pair"):
        for index in range(WARMUP_CALLS):
            answer[task]([inputs[task][index]])
        answer[task](inputs[task][: args.warmup_batch])
    protocol.write(json.dumps({"ready": True, **versions}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            break
        protocol.write(json.dumps(run(answer, json.loads(line), inputs)) + "\n")


if __name__ == "__main__":
    main()
