"""Where a batch-1 request to the text-in QA SavedModel spends its time.

    python -m tests.benchmarks.serving_breakdown --workdir DIR \
        [--questions 64] [--threads 2]

DIR is a `serving_benchmark.py --workdir` folder (its `qa/1` SavedModel,
`hf_qa/config.json`, `hf_qa/vocab.txt` and `inputs.json`). For each SQuAD
question, timed in turn:

- text: the whole `serving_default` call (question and context in, answer
  out), as `serving_benchmark.py` times it;
- model: `serve_ids` on one window of the same number of tokens (the
  encoder and the span head, nothing else);
- tokenize: `CoreBertTokenizer` on the question and the context, through
  `in_graph.tokenize_both` in a `tf.function` (what the signature runs);
- matmul floor: only the encoder's dense matmuls at that length (the
  q/k/v, attention-output and two feed-forward matmuls of every layer, each
  with its own weights), float32: what the model must cost at least with
  these kernels.

Prints the medians in milliseconds.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def median_ms(seconds):
    return 1000 * statistics.median(seconds)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def matmul_floor(tf, config):
    """A tf.function of `[T, hidden]` running every encoder dense matmul."""
    hidden = config["hidden_size"]
    inner = config["intermediate_size"]
    shapes = [(hidden, 3 * hidden), (hidden, hidden), (hidden, inner),
              (inner, hidden)]
    weights = [
        [tf.random.normal(shape) for shape in shapes]
        for _ in range(config["num_hidden_layers"])
    ]

    @tf.function
    def run(x, wide):
        outputs = []
        for qkv, attention_output, intermediate, output in weights:
            outputs += [
                tf.matmul(x, qkv),
                tf.matmul(x, attention_output),
                tf.matmul(x, intermediate),
                tf.matmul(wide, output),
            ]
        return tf.add_n([tf.reduce_sum(value) for value in outputs])

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--questions", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    sys.modules["tensorflow_text"] = None  # as stock TF Serving
    import tensorflow as tf

    from kbert.export import in_graph
    from kbert.text import CoreBertTokenizer
    from tests.benchmarks.serving_benchmark import (
        QA_SETTINGS,
        room_for_context,
        token_lengths,
    )

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    root = Path(args.workdir)
    with open(root / "inputs.json", encoding="utf-8") as file:
        questions = json.load(file)["qa"][: args.questions]
    with open(root / "hf_qa" / "config.json", encoding="utf-8") as file:
        config = json.load(file)
    loaded = tf.saved_model.load(str(root / "qa" / "1"))
    serve_text = loaded.signatures["serving_default"]
    serve_ids = loaded.signatures["serve_ids"]
    tokenizer = CoreBertTokenizer(str(root / "hf_qa" / "vocab.txt"))
    text_spec = tf.TensorSpec([None], tf.string)

    # In a graph and in one call, as the signature runs it (eager, op by
    # op, it takes several times as long).
    @tf.function(input_signature=[text_spec, text_spec])
    def tokenize(question, context):
        return in_graph.tokenize_both(tokenizer, question, context)

    floor = matmul_floor(tf, config)

    window = []  # tokens in the first window of each question
    for query, doc in zip(*token_lengths(root, questions)):
        room = room_for_context(query)
        window.append(QA_SETTINGS["max_seq_len"] - room + min(room, doc))
    times = {"text": [], "model": [], "tokenize": [], "matmul floor": []}
    for rounds in range(2):  # the first round warms up every length
        for example, length in zip(questions, window):
            question = tf.constant([example["question"]])
            context = tf.constant([example["context"]])
            ones = tf.ones([1, length], tf.int32)
            spent = {
                "text": timed(serve_text, question=question, context=context),
                "model": timed(
                    serve_ids,
                    token_ids=ones * 1000,
                    segment_ids=ones * 0,
                    padding_mask=ones,
                ),
                "tokenize": timed(tokenize, question, context),
                "matmul floor": timed(
                    floor,
                    tf.random.normal([length, config["hidden_size"]]),
                    tf.random.normal([length, config["intermediate_size"]]),
                ),
            }
            if rounds:
                for name, seconds in spent.items():
                    times[name].append(seconds)

    print(f"{len(questions)} SQuAD questions, batch 1, {args.threads} threads, "
          f"median window {statistics.median(window):.0f} tokens")
    for name, seconds in times.items():
        print(f"  {name:13s} p50 {median_ms(seconds):6.1f} ms")


if __name__ == "__main__":
    main()
