"""Scores a fill-mask model: top-5 accuracy on the cloze sentences, and
optionally masked-LM / next-sentence accuracy on held-out documents.

    python savedmodels/evaluate_fill_mask.py --model PATH/pretrainer.keras \
        [--heldout-corpus heldout.txt] [--output PATH/evaluation.json]

Prints the figures and writes them, with every sentence's top 5, to a JSON
file (default: `evaluation.json` beside the model).
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # run from anywhere in the repo

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a BertPretrainer")
    parser.add_argument(
        "--sentences",
        default=os.path.join(HERE, "cloze_sentences.tsv"),
        help="cloze TSV (sentence, answers joined by '|')",
    )
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument(
        "--heldout-corpus",
        help="a corpus file (Google's format) of documents not trained on; "
        "adds its masked-LM and NSP accuracy",
    )
    parser.add_argument("--heldout-batches", type=int, default=20)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--max-predictions", type=int, default=20)
    parser.add_argument("--output", help="JSON file to write")
    return parser.parse_args(argv)


def cloze_results(model, path, top_k):
    from kbert.evaluation.cloze_accuracy import (
        read_cloze_sentences,
        top_k_accuracy,
    )
    from kbert.pipelines import FillMaskPipeline

    sentences, answers = read_cloze_sentences(path)
    fill = FillMaskPipeline(model, top_k=top_k)
    # One list per sentence for its one mask.
    predictions = [masks[0] for masks in fill(sentences)]
    return {
        f"cloze_top{top_k}_accuracy": top_k_accuracy(
            predictions, answers, k=top_k
        ),
        "cloze_top1_accuracy": top_k_accuracy(predictions, answers, k=1),
        "cloze_sentences": len(sentences),
        "cloze_predictions": [
            {
                "sentence": sentence,
                "answers": sorted(acceptable),
                "top": [[token, round(p, 4)] for token, p in ranked],
            }
            for sentence, acceptable, ranked in zip(
                sentences, answers, predictions
            )
        ],
    }


def heldout_results(model, args):
    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.data.tokenized_corpus import tokenize_corpus_file

    vocabulary = model.backbone.vocabulary
    corpus = tokenize_corpus_file(
        args.heldout_corpus, vocabulary, lowercase=model.backbone.lowercase
    )
    dataset = make_pretraining_dataset(
        corpus,
        vocabulary,
        batch_size=32,
        max_seq_length=args.max_seq_length,
        max_predictions_per_seq=args.max_predictions,
        seed=12345,
    )
    model.compile()  # BERT's losses and accuracies, whatever was saved
    results = model.evaluate(
        dataset, steps=args.heldout_batches, verbose=0, return_dict=True
    )
    return {
        "heldout_corpus": args.heldout_corpus,
        "heldout_sequences": 32 * args.heldout_batches,
        "heldout_max_seq_length": args.max_seq_length,
        **{f"heldout_{name}": float(value) for name, value in results.items()},
    }


def main(argv=None):
    args = parse_args(argv)
    from kbert.saving import load_model

    model = load_model(args.model)
    results = {"model": args.model}
    results.update(cloze_results(model, args.sentences, args.top_k))
    if args.heldout_corpus:
        results.update(heldout_results(model, args))
    for name, value in results.items():
        if isinstance(value, float):
            print(f"{name}: {value:.4f}")
    output = args.output or os.path.join(
        os.path.dirname(os.path.abspath(args.model)), "evaluation.json"
    )
    with open(output, "w") as file:
        json.dump(results, file, indent=2)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
