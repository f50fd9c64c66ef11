"""Prints masked NSP pretraining examples from a corpus as JSON lines, or
writes them to TFRecord shards."""

import json
import sys


def add_arguments(parser):
    parser.add_argument(
        "--corpus",
        required=True,
        help="corpus in Google's format (see `corpus`)",
    )
    parser.add_argument("--vocab", required=True, help="WordPiece vocab.txt")
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument(
        "--max-predictions",
        type=int,
        default=20,
        help="max_predictions_per_seq",
    )
    parser.add_argument("--num-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--whole-word", action="store_true", help="whole-word masking"
    )
    parser.add_argument(
        "--cased",
        action="store_true",
        help="the vocabulary is cased (no lower-casing)",
    )
    parser.add_argument(
        "--output",
        help="write TFRecord shards to this folder instead of printing",
    )
    parser.add_argument(
        "--dupe-factor",
        type=int,
        help="with --output: write this many whole epochs, each with its "
        "own masks, instead of --num-examples examples",
    )
    parser.add_argument("--num-shards", type=int, default=8)


def run(args):
    from kbert.data.corpus_file import read_corpus
    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.data.pretraining_shards import write_pretraining_shards
    from kbert.data.tokenized_corpus import TokenizedCorpus
    from kbert.text import BertTokenizer

    if args.num_examples < 1:
        print(
            f"error: --num-examples must be positive, got {args.num_examples}",
            file=sys.stderr,
        )
        return 2
    try:
        documents = read_corpus(args.corpus)
        if len(documents) < 2:
            # Said before the tokenizer is built, which takes seconds.
            raise ValueError(
                "Next-sentence prediction needs at least 2 non-empty "
                f"documents; {args.corpus} has {len(documents)}. Separate "
                "documents with a blank line."
            )
        tokenizer = BertTokenizer(args.vocab, lowercase=not args.cased)
        corpus = TokenizedCorpus.from_documents(documents, tokenizer)
        batch_size = 64 if args.output else min(args.num_examples, 64)
        dataset = make_pretraining_dataset(
            corpus,
            tokenizer.vocabulary,
            batch_size=batch_size,
            max_seq_length=args.max_seq_length,
            max_predictions_per_seq=args.max_predictions,
            whole_word_masking=args.whole_word,
            seed=args.seed,
            num_epochs=args.dupe_factor,
        )
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output:
        count = write_pretraining_shards(
            dataset,
            args.output,
            num_shards=args.num_shards,
            num_examples=None if args.dupe_factor else args.num_examples,
        )
        print(f"wrote {count} examples to {args.output}")
        return 0
    vocabulary = tokenizer.vocabulary
    printed = 0
    for features, labels, weights in dataset:
        for i in range(batch_size):
            if printed == args.num_examples:
                return 0
            length = int(features["padding_mask"][i].numpy().sum())
            slots = int(weights["mlm"][i].numpy().sum())
            token_ids = features["token_ids"][i, :length].numpy().tolist()
            print(
                json.dumps(
                    {
                        "tokens": [vocabulary[t] for t in token_ids],
                        "token_ids": token_ids,
                        "segment_ids": features["segment_ids"][i, :length]
                        .numpy()
                        .tolist(),
                        "mask_positions": features["mask_positions"][i, :slots]
                        .numpy()
                        .tolist(),
                        "mask_ids": labels["mlm"][i, :slots].numpy().tolist(),
                        "next_sentence_label": int(labels["nsp"][i]),
                    },
                    ensure_ascii=False,
                )
            )
            printed += 1
    return 0
