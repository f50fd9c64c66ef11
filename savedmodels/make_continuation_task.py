"""Writes the next-sentence multiple-choice task (SWAG's CSV format) from a
corpus file: for a sentence, its true next sentence among four, the three
distractors from the same document (`kbert.data.continuation`).

    python savedmodels/make_continuation_task.py \
        --corpus runs/wiki/wikipedia.txt --max-documents 3000 \
        --output runs/swag/train.csv
    python savedmodels/make_continuation_task.py \
        --corpus runs/wiki/heldout_wiki.txt --max-documents 500 \
        --output runs/swag/val.csv

The training documents come from the Wikipedia parts trained on, the
evaluation ones from the held-out part (enwiki-wikitasks-01).
"""

import argparse
import itertools
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def documents(path, limit):
    """The first `limit` documents of a corpus file, streamed."""
    from kbert.data.corpus_file import iter_corpus

    return list(itertools.islice(iter_corpus(path), limit))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="Google's format")
    parser.add_argument("--output", required=True, help="SWAG CSV to write")
    parser.add_argument("--max-documents", type=int, default=None)
    parser.add_argument("--every", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from kbert.data.continuation import continuation_examples
    from kbert.data.multiple_choice import write_swag

    examples = continuation_examples(
        documents(args.corpus, args.max_documents),
        every=args.every,
        seed=args.seed,
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_swag(examples, args.output)
    print(f"wrote {len(examples)} questions to {args.output}")


if __name__ == "__main__":
    main()
