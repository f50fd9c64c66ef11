"""Tokens/s of kbert's tokenizers against `tokenizers`' BertWordPiece.

Run by hand:  python tests/benchmarks/tokenizer_benchmark.py [--lines N]

All three tokenize the same Gutenberg lines with the same vocabulary, in
batches, after a warm-up batch; ratios are against `tokenizers`
(`encode_batch`, which uses every core).
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "text")]

import corpora  # noqa: E402
import tensorflow as tf  # noqa: E402
from tokenizers import BertWordPieceTokenizer  # noqa: E402

from kbert.text import BertTokenizer, CoreBertTokenizer  # noqa: E402

DATA = REPO.parent / "shared" / "data"


def batches(lines, size):
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def time_it(function, chunks):
    function(chunks[0])  # warm-up: tracing, thread pools
    start = time.perf_counter()
    tokens = sum(function(chunk) for chunk in chunks)
    return tokens, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=None,
                        help="first N Gutenberg lines (default: all)")
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--cased", action="store_true")
    args = parser.parse_args()
    name = "cased" if args.cased else "uncased"
    vocab = str(DATA / "bert_vocab" / f"bert-base-{name}-vocab.txt")
    lines = [line for line in corpora.gutenberg(DATA) if line.strip()]
    lines = lines[: args.lines]
    chunks = batches(lines, args.batch)
    print(f"{len(lines)} non-empty Gutenberg lines, {name} vocabulary, "
          f"batches of {args.batch}, {os.cpu_count()} CPUs")

    reference = BertWordPieceTokenizer(vocab, lowercase=not args.cased)

    def run_reference(chunk):
        encodings = reference.encode_batch(chunk, add_special_tokens=False)
        return sum(len(e.ids) for e in encodings)

    results = {"tokenizers": time_it(run_reference, chunks)}
    for cls in (BertTokenizer, CoreBertTokenizer):
        tokenizer = cls(vocab, lowercase=not args.cased)
        graph = tf.function(
            lambda texts, tokenizer=tokenizer: tokenizer.tokenize(texts)[
                "token_ids"
            ].flat_values,
            input_signature=[tf.TensorSpec([None], tf.string)],
        )

        def run_kbert(chunk, graph=graph):
            return int(tf.size(graph(tf.constant(chunk))))

        results[cls.__name__] = time_it(run_kbert, chunks)

    base_tokens, base_seconds = results["tokenizers"]
    for label, (tokens, seconds) in results.items():
        rate = tokens / seconds
        ratio = rate / (base_tokens / base_seconds)
        print(f"{label:18s} {tokens:10d} tokens {seconds:7.2f} s "
              f"{rate:12,.0f} tokens/s  {ratio:5.2f}x tokenizers")


if __name__ == "__main__":
    main()
