"""Pretraining input pipeline speed: kbert vs Hugging Face, in one run.

    python tests/benchmarks/pretraining_data_benchmark.py \
        [--peer-python .venv-ref/bin/python] [--books 38]
    python tests/benchmarks/pretraining_data_benchmark.py --corpus wikipedia \
        --no-peer

`--corpus wikipedia` takes all of `../shared/data/wikipedia` (70 M words):
the time to write it in Google's format, the one-time tokenization time
(streamed, with the process's peak memory), the time to the first batch
(the epoch's pairs are built then) and the batches per second after it.

kbert: `make_pretraining_dataset` at length 128 (NSP pairs built per epoch,
packing and dynamic masking in tf.data), whole-word and token masking,
from the corpus tokenized once. The peer, run by this same script under a
separate virtualenv that has transformers (never installed in kbert's
environment): a `tokenizers` fast tokenizer (`BertTokenizerFast`) encodes
sentence pairs once, then `DataCollatorForWholeWordMask` (and
`DataCollatorForLanguageModeling`, token and `whole_word_mask=True` modes)
collate batches of 32 padded to 128. Both sides read the same corpus and
vocabulary; one-time tokenization is timed separately from the per-epoch
work. Also measured: the examples/s one bert_small training step consumes
here (batch 32 x 128, tensorflow, jit_compile), the rate the pipeline has
to outpace.

The peer half: `python pretraining_data_benchmark.py --peer CORPUS VOCAB`
(stdlib, numpy, torch and transformers only), printing one JSON line.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.reference_env import REFERENCE_PYTHON  # noqa: E402

DATA = REPO.parent / "shared" / "data"
VOCAB = DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"
BATCH, LENGTH, PREDICTIONS = 32, 128, 20


# === The peer (runs under the reference virtualenv) ===


def run_peer(corpus_path, vocab_path, batches):
    import warnings

    import transformers
    from transformers import (
        BertTokenizerFast,
        DataCollatorForLanguageModeling,
        DataCollatorForWholeWordMask,
    )

    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    tokenizer = BertTokenizerFast(vocab_file=vocab_path, do_lower_case=True)
    documents = [[]]
    with open(corpus_path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                documents[-1].append(line)
            elif documents[-1]:
                documents.append([])
    sentences = [s for d in documents for s in d]

    start = time.perf_counter()
    lengths = [
        len(ids)
        for ids in tokenizer(sentences, add_special_tokens=False)["input_ids"]
    ]
    tokenize_seconds = time.perf_counter() - start

    # Pairs of consecutive sentence runs of about half the length each.
    pairs_a, pairs_b = [], []
    index = 0
    for document in documents:
        runs, current, size = [], [], 0
        for sentence in document:
            current.append(sentence)
            size += lengths[index]
            index += 1
            if size >= (LENGTH - 3) // 2:
                runs.append(" ".join(current))
                current, size = [], 0
        for a, b in zip(runs[0::2], runs[1::2]):
            pairs_a.append(a)
            pairs_b.append(b)
    start = time.perf_counter()
    # Padded here already: `tokenizer.pad` in the collator does not pad
    # `offset_mapping`, which the new whole-word mode needs.
    encoded = tokenizer(
        pairs_a, pairs_b, truncation="longest_first", max_length=LENGTH,
        padding="max_length", return_special_tokens_mask=True,
        return_offsets_mapping=True,
    )
    pair_seconds = time.perf_counter() - start
    padded = [
        {name: encoded[name][i] for name in encoded}
        for i in range(len(pairs_a))
    ]
    # The other collators pad for themselves.
    plain = [
        {
            name: e[name][: sum(e["attention_mask"])]
            for name in e
            if name != "offset_mapping"
        }
        for e in padded
    ]
    legacy = [
        {"input_ids": e["input_ids"], "token_type_ids": e["token_type_ids"]}
        for e in plain
    ]

    def rate(collator, data, count):
        for i in range(3):  # warm-up
            collator(data[i * BATCH:(i + 1) * BATCH])
        start = time.perf_counter()
        for i in range(count):
            j = (i * BATCH) % (len(data) - BATCH)
            batch = collator(data[j:j + BATCH])
        seconds = time.perf_counter() - start
        assert batch["input_ids"].shape == (BATCH, LENGTH)
        return BATCH * count / seconds

    common = dict(tokenizer=tokenizer, pad_to_multiple_of=LENGTH, seed=1)
    result = {
        "sentences": len(sentences),
        "tokens": sum(lengths),
        "pairs": len(padded),
        "tokenize_sentences_per_s": len(sentences) / tokenize_seconds,
        "encode_pairs_per_s": len(padded) / pair_seconds,
        "whole_word_mask_collator": rate(
            DataCollatorForWholeWordMask(**common), legacy, batches
        ),
        "lm_collator_whole_word": rate(
            # It supports only [MASK] replacement, and asking for the
            # default 80/10/10 trips a bad warnings.warn call in 4.57.
            DataCollatorForLanguageModeling(
                whole_word_mask=True, mask_replace_prob=1.0,
                random_replace_prob=0.0, **common,
            ),
            padded, batches,
        ),
        "lm_collator_tokens": rate(
            DataCollatorForLanguageModeling(**common), plain, batches
        ),
        "transformers": transformers.__version__,
    }
    print(json.dumps(result))


# === kbert ===


def kbert_rate(corpus, vocabulary, whole_word, batches):
    from kbert.data.pretraining_dataset import make_pretraining_dataset

    dataset = make_pretraining_dataset(
        corpus, vocabulary, batch_size=BATCH, max_seq_length=LENGTH,
        max_predictions_per_seq=PREDICTIONS, whole_word_masking=whole_word,
        seed=1,
    )
    iterator = iter(dataset)
    for _ in range(20):  # warm-up: graph tracing, first epoch, prefetch
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return BATCH * batches / (time.perf_counter() - start)


def training_rate(corpus, vocabulary, steps):
    import keras

    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.models import BertBackbone, BertPretrainer

    features, labels, weights = next(iter(make_pretraining_dataset(
        corpus, vocabulary, batch_size=BATCH, max_seq_length=LENGTH,
        max_predictions_per_seq=PREDICTIONS, seed=1,
    )))
    backbone = BertBackbone.from_preset(
        "bert_small", vocabulary_size=len(vocabulary)
    )
    pretrainer = BertPretrainer(backbone)
    pretrainer.compile(jit_compile=True)
    for _ in range(2):  # compile
        pretrainer.train_on_batch(features, labels, sample_weight=weights)
    start = time.perf_counter()
    for _ in range(steps):
        pretrainer.train_on_batch(features, labels, sample_weight=weights)
    seconds = time.perf_counter() - start
    del keras
    return BATCH * steps / seconds


def wikipedia_corpus(workdir):
    """All Wikipedia parts in Google's format; returns (path, seconds)."""
    from kbert.data import read_wikipedia, write_corpus

    start = time.perf_counter()
    parts = sorted((DATA / "wikipedia").glob("*.txt.gz"))
    path = workdir / "wikipedia.txt"
    write_corpus((d for part in parts for d in read_wikipedia(part)), path)
    return path, time.perf_counter() - start


def peak_memory_gb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def first_batch_seconds(corpus, vocabulary):
    """Seconds from building the dataset to its first batch (the epoch's
    NSP pairs are drawn over the whole corpus then)."""
    from kbert.data.pretraining_dataset import make_pretraining_dataset

    start = time.perf_counter()
    next(iter(make_pretraining_dataset(
        corpus, vocabulary, batch_size=BATCH, max_seq_length=LENGTH,
        max_predictions_per_seq=PREDICTIONS, seed=2,
    )))
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", nargs=2, metavar=("CORPUS", "VOCAB"))
    parser.add_argument(
        "--peer-python", default=str(REFERENCE_PYTHON),
        help="the reference environment (bash tests/make_reference_env.sh)",
    )
    parser.add_argument("--books", type=int, default=38,
                        help="Gutenberg books to use (all 38 by default)")
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--peer-batches", type=int, default=60)
    parser.add_argument("--train-steps", type=int, default=5)
    parser.add_argument("--corpus", choices=("books", "wikipedia"),
                        default="books",
                        help="the books + WikiText-2 valid, or all of "
                        "Wikipedia (70 M words)")
    parser.add_argument("--no-peer", action="store_true",
                        help="kbert only (the peer needs the reference "
                        "virtualenv and hours on the whole Wikipedia)")
    args = parser.parse_args()
    if args.peer:
        run_peer(*args.peer, args.peer_batches)
        return

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(REPO))
    from kbert.data import read_gutenberg, read_wikitext, write_corpus
    from kbert.data.corpus_file import iter_corpus
    from kbert.data.tokenized_corpus import TokenizedCorpus
    from kbert.text import BertTokenizer

    print(f"command: python {' '.join(sys.argv)}")
    workdir = Path(tempfile.mkdtemp(prefix="kbert-bench-"))
    if args.corpus == "wikipedia":
        corpus_path, write_seconds = wikipedia_corpus(workdir)
        name = "all of ../shared/data/wikipedia"
        print(f"wrote the corpus in Google's format: {write_seconds:.0f} s")
    else:
        books = sorted((DATA / "gutenberg").glob("*.txt.gz"))[: args.books]
        documents = [d for book in books for d in read_gutenberg(book)]
        documents += read_wikitext(
            DATA / "wikitext-2" / "wiki.valid.tokens.gz"
        )
        corpus_path = workdir / "corpus.txt"
        write_corpus(documents, corpus_path)
        name = f"{len(books)} Gutenberg books + WikiText-2 valid"

    hf = collections.defaultdict(lambda: float("nan"))  # --no-peer
    if not args.no_peer:
        peer = subprocess.run(
            [args.peer_python, __file__, "--peer", str(corpus_path),
             str(VOCAB), "--peer-batches", str(args.peer_batches)],
            capture_output=True, text=True,
        )
        if peer.returncode:
            sys.exit(f"the peer failed:\n{peer.stderr}")
        hf = json.loads(peer.stdout.strip().splitlines()[-1])

    tokenizer = BertTokenizer(str(VOCAB))
    memory_before = peak_memory_gb()
    start = time.perf_counter()
    corpus = TokenizedCorpus.from_documents(
        iter_corpus(corpus_path), tokenizer
    )
    tokenize_seconds = time.perf_counter() - start
    sentences = corpus.num_sentences
    print(f"one-time tokenization: {tokenize_seconds:.0f} s, "
          f"{sentences / tokenize_seconds:,.0f} sentences/s; peak memory "
          f"{memory_before:.2f} GB before, {peak_memory_gb():.2f} GB after")
    vocabulary = tokenizer.vocabulary
    ours_wwm = kbert_rate(corpus, vocabulary, True, args.batches)
    ours_tokens = kbert_rate(corpus, vocabulary, False, args.batches)
    train = training_rate(corpus, vocabulary, args.train_steps)
    first = first_batch_seconds(corpus, vocabulary)

    print(f"corpus: {name}, {corpus.num_documents:,} documents, "
          f"{sentences:,} sentences, {corpus.num_tokens:,} tokens; "
          f"batch {BATCH} x {LENGTH}, {PREDICTIONS} predictions")
    print(f"first batch of an epoch (its pairs drawn): {first:.1f} s; "
          f"peak memory {peak_memory_gb():.2f} GB")
    rows = [
        ("one-time tokenization, sentences/s",
         sentences / tokenize_seconds, hf["tokenize_sentences_per_s"]),
        ("whole-word masked batches, examples/s "
         "(peer: DataCollatorForWholeWordMask)",
         ours_wwm, hf["whole_word_mask_collator"]),
        ("whole-word masked batches, examples/s "
         "(peer: DataCollatorForLanguageModeling(whole_word_mask=True))",
         ours_wwm, hf["lm_collator_whole_word"]),
        ("token masked batches, examples/s "
         "(peer: DataCollatorForLanguageModeling)",
         ours_tokens, hf["lm_collator_tokens"]),
    ]
    if args.no_peer:
        rows = rows[:2] + rows[3:]
        print("no peer (--no-peer)")
    else:
        print(f"transformers {hf['transformers']}")
    for name, ours, theirs in rows:
        if args.no_peer:
            print(f"{name.split(' (peer')[0]}: kbert {ours:,.0f}")
            continue
        print(f"{name}:\n    kbert {ours:,.0f}   hf {theirs:,.0f}   "
              f"ratio {ours / theirs:.2f}x")
    print(f"bert_small training step (32 x 128, jit_compile) consumes "
          f"{train:,.1f} examples/s")
    print(f"pipeline / training: whole-word {ours_wwm / train:,.0f}x, "
          f"token {ours_tokens / train:,.0f}x")


if __name__ == "__main__":
    main()
