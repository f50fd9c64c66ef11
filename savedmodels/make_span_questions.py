"""Writes recurring-span questions (synthetic SQuAD) from a corpus file.

    python savedmodels/make_span_questions.py --corpus runs/qa/wiki.txt \
        --output runs/qa/span_questions.json

The demo's QA model first learns span selection on these (`finetune squad
--dataset runs/qa/span_questions.json`), then SQuAD's 5,696 questions; see
`kbert.data.span_questions` and savedmodels/README.md.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", required=True, help="a corpus file in Google's format"
    )
    parser.add_argument("--output", required=True, help="SQuAD JSON to write")
    parser.add_argument("--passage-words", type=int, default=150)
    parser.add_argument("--questions-per-passage", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from kbert.data.corpus_file import read_corpus
    from kbert.data.span_questions import span_questions

    try:
        documents = read_corpus(args.corpus)
        dataset = span_questions(
            documents,
            passage_words=args.passage_words,
            questions_per_passage=args.questions_per_passage,
            seed=args.seed,
        )
    except (FileNotFoundError, ValueError) as error:
        parser.exit(1, f"error: {error}\n")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(dataset), encoding="utf-8")
    questions = sum(len(a["paragraphs"]) for a in dataset["data"])
    print(
        f"wrote {args.output}: {questions} questions from "
        f"{len(dataset['data'])} of {len(documents)} documents"
    )


if __name__ == "__main__":
    main()
