"""Prints mean-pooled, L2-normalised sentence embeddings, one per line.

Reads lines (from --input or standard input) and writes, for each, the
sentence-transformers embedding (mean over real tokens, then unit length) of
a kbert `.keras` model, e.g. one converted from all-MiniLM-L6-v2:

    echo "A man is playing a guitar." | python -m kbert embed --model m.keras
"""

import json
import sys


def add_arguments(parser):
    parser.add_argument(
        "--model", required=True, help="a kbert .keras file with a vocabulary"
    )
    parser.add_argument(
        "--input",
        default="-",
        help="a UTF-8 text file, one sentence per line (default: stdin)",
    )
    parser.add_argument(
        "--max-length",
        type=int,
        default=None,
        help="tokens per sentence including [CLS] and [SEP] (default: the "
        "model's max_sequence_length; sentence-transformers uses 256 for "
        "all-MiniLM-L6-v2)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--format",
        choices=("json", "tsv"),
        default="json",
        help="one JSON list per line (default) or tab-separated numbers",
    )


def _read_lines(path):
    if path == "-":
        return [line.rstrip("\r\n") for line in sys.stdin]
    with open(path, encoding="utf-8") as file:
        return [line.rstrip("\r\n") for line in file]


def run(args):
    from kbert.convert.sentence_embedder import SentenceEmbedder
    from kbert.saving import load_model

    try:
        embedder = SentenceEmbedder(
            load_model(args.model),
            sequence_length=args.max_length,
            batch_size=args.batch_size,
        )
        lines = _read_lines(args.input)
    except (FileNotFoundError, ValueError) as error:
        print(f"kbert embed: error: {error}", file=sys.stderr)
        return 2
    embeddings = embedder.embed(lines)
    for row in embeddings:
        values = [float(f"{value:.7g}") for value in row]
        if args.format == "json":
            print(json.dumps(values))
        else:
            print("\t".join(repr(value) for value in values))
    return 0
