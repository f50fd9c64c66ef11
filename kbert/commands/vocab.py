"""Learn a WordPiece vocabulary (vocab.txt) from text files."""

import gzip
import sys

from kbert.text.vocab_trainer import (
    check_vocabulary_size,
    count_words,
    train_vocabulary,
)


def add_arguments(parser):
    parser.add_argument(
        "--corpus",
        nargs="+",
        required=True,
        metavar="FILE",
        help="UTF-8 text files (.gz allowed), one or more",
    )
    parser.add_argument(
        "--size",
        type=int,
        required=True,
        help="number of vocabulary entries, special tokens included",
    )
    parser.add_argument("--output", required=True, help="vocab.txt to write")
    parser.add_argument(
        "--cased",
        action="store_true",
        help="keep case and accents (default: uncased)",
    )


def _lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as file:
        yield from file


def run(args):
    try:
        check_vocabulary_size(args.size)  # before reading any corpus
        counts = {}
        for path in args.corpus:
            try:
                file_counts = count_words(_lines(path), not args.cased)
            except FileNotFoundError:
                raise SystemExit(f"Corpus file not found: {path!r}") from None
            for word, count in file_counts.items():
                counts[word] = counts.get(word, 0) + count
        tokens = train_vocabulary(counts, args.size)  # fails on no words
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    if len(tokens) < 0.98 * args.size:
        print(
            f"warning: the corpus only supports {len(tokens)} entries, "
            f"fewer than --size {args.size}; give it more text.",
            file=sys.stderr,
        )
    with open(args.output, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(token + "\n" for token in tokens)
    print(f"wrote {len(tokens)} tokens to {args.output}")
