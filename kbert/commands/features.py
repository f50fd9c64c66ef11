"""Writes every token's hidden states from chosen layers as JSON lines,
the output of Google's `extract_features.py` (the feature-based approach):

    python -m kbert features --model m.keras --input lines.txt \
        --output features.jsonl --layers=-1,-2,-3,-4

A line `A ||| B` is a sentence pair.
"""

import json
import sys


def _layer_list(text):
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(
            "`--layers` takes comma-separated integers such as -1,-2,-3,-4. "
            f"Received: {text!r}"
        ) from None


def add_arguments(parser):
    parser.add_argument(
        "--model", required=True, help="a kbert .keras file with a vocabulary"
    )
    parser.add_argument(
        "--input",
        default="-",
        help="UTF-8 text, one text (or `A ||| B` pair) a line (default: "
        "stdin)",
    )
    parser.add_argument(
        "--output", default="-", help="JSON lines to write (default: stdout)"
    )
    parser.add_argument(
        "--layers",
        default="-1,-2,-3,-4",
        help="encoder-block indexes, -1 the last; write negative ones as "
        "--layers=-1,-2 (default: -1,-2,-3,-4)",
    )
    parser.add_argument(
        "--max-seq-length",
        type=int,
        default=128,
        help="tokens per sequence, [CLS] and [SEP]s included (default: 128)",
    )
    parser.add_argument("--batch-size", type=int, default=32)


def run(args):
    from kbert.pipelines.layer_features import layer_features
    from kbert.progress import Progress
    from kbert.saving import load_model

    try:
        layers = _layer_list(args.layers)
        model = load_model(args.model)
        if args.input == "-":
            lines = sys.stdin.read().splitlines()
        else:
            with open(args.input, encoding="utf-8") as file:
                lines = file.read().splitlines()
        progress = Progress("lines", total=len(lines))
        objects = layer_features(
            model,
            lines,
            layers=layers,
            max_seq_length=args.max_seq_length,
            batch_size=args.batch_size,
            progress=progress,
        )
        output = (
            sys.stdout
            if args.output == "-"
            else open(args.output, "w", encoding="utf-8")
        )
        try:
            for item in objects:
                output.write(json.dumps(item) + "\n")
        finally:
            if output is not sys.stdout:
                output.close()
        progress.close()
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"kbert features: error: {error}", file=sys.stderr)
        return 2
    return 0
