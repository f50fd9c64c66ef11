"""Statistics of the pretraining data on real bundled text with BERT's
uncased vocabulary.

The default tests use WikiText-2 valid + test (120 articles, ~0.5M
tokens), sized so each stated tolerance is at least three standard
deviations; the slow ones repeat them on all 38 Gutenberg books too.
"""

import numpy as np
import pytest

from kbert.data import read_gutenberg, read_wikitext
from kbert.data.pair_builder import (
    A_START,
    B_END,
    B_START,
    IS_RANDOM_NEXT,
    TARGET_LENGTH,
    PairBuilder,
)
from kbert.data.pretraining_dataset import make_pretraining_dataset
from kbert.data.tokenized_corpus import TokenizedCorpus
from kbert.text import BertTokenizer
from tests.conftest import SHARED_DATA

LENGTH, SLOTS = 128, 20


@pytest.fixture(scope="module")
def shared_data():
    # Module scope: the corpora are tokenized once for all tests here.
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="module")
def tokenizer(shared_data):
    return BertTokenizer(
        str(shared_data / "bert_vocab" / "bert-base-uncased-vocab.txt")
    )


@pytest.fixture(scope="module")
def wikitext(shared_data, tokenizer):
    documents = []
    for split in ("valid", "test"):
        documents += read_wikitext(
            shared_data / "wikitext-2" / f"wiki.{split}.tokens.gz"
        )
    return TokenizedCorpus.from_documents(documents, tokenizer)


@pytest.fixture(scope="module")
def gutenberg(shared_data, tokenizer):
    documents = []
    for book in sorted((shared_data / "gutenberg").glob("*.txt.gz")):
        documents += read_gutenberg(book)
    return TokenizedCorpus.from_documents(documents, tokenizer)


def collect(corpus, tokenizer, num_batches, whole_word=False, seed=1):
    """Stacks `num_batches` batches of 32 into numpy arrays."""
    dataset = make_pretraining_dataset(
        corpus, tokenizer.vocabulary, batch_size=32, max_seq_length=LENGTH,
        max_predictions_per_seq=SLOTS, whole_word_masking=whole_word,
        seed=seed,
    )
    parts = {}
    for features, labels, weights in dataset.take(num_batches):
        arrays = {
            **features, "mlm": labels["mlm"], "nsp": labels["nsp"],
            "weights": weights["mlm"],
        }
        for name, value in arrays.items():
            parts.setdefault(name, []).append(value.numpy())
    return {name: np.concatenate(value) for name, value in parts.items()}


def check_masking(batch, tokenizer, whole_word):
    specials = [tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id,
                tokenizer.sep_id, tokenizer.mask_id]
    weights = batch["weights"] > 0
    rows = np.nonzero(weights)[0]
    positions = batch["mask_positions"][weights]
    labels = batch["mlm"][weights]
    masked = batch["token_ids"][rows, positions]

    # The originals behind the corrupted tokens.
    original = batch["token_ids"].copy()
    original[rows, positions] = labels
    is_special = np.isin(original, specials)
    maskable = batch["padding_mask"].astype(bool) & ~is_special

    # No special token is ever selected.
    assert not np.isin(labels, specials).any()
    # 15% of the maskable tokens within 0.5 points.
    rate = weights.sum() / maskable.sum()
    assert abs(rate - 0.15) < 0.005, rate
    # 80 / 10 / 10 within 1 point.
    as_mask = (masked == tokenizer.mask_id).mean()
    unchanged = (masked == labels).mean()
    random_token = 1.0 - as_mask - unchanged
    assert abs(as_mask - 0.8) < 0.01, as_mask
    assert abs(unchanged - 0.1) < 0.01, unchanged
    assert abs(random_token - 0.1) < 0.01, random_token
    # Random replacements are ordinary tokens.
    assert not np.isin(masked[(masked != tokenizer.mask_id)], specials).any()

    if whole_word:
        # A "##" piece belongs to the word before it, unless a special
        # token (or truncation, which leaves one after [CLS]/[SEP]) is
        # there. Every piece of a word is selected, or none.
        vocabulary = np.array(tokenizer.vocabulary, dtype=object)
        continuation = np.char.startswith(
            vocabulary[original].astype(str), "##"
        )
        continuation[:, 1:] &= ~is_special[:, :-1]
        continuation[:, 0] = False
        selected = np.zeros_like(maskable)
        selected[rows, positions] = True
        split = continuation & (selected != np.roll(selected, 1, axis=1))
        assert not split.any(), np.argwhere(split)[:5]
        assert continuation.sum() > 1000  # the check had words to split


def check_packing(batch, tokenizer):
    ids = batch["token_ids"]
    mask = batch["padding_mask"].astype(bool)
    lengths = mask.sum(axis=1)
    assert ids.shape[1] == LENGTH and (lengths <= LENGTH).all()
    assert (ids[:, 0] == tokenizer.cls_id).all()
    # Exactly two [SEP]s, the last one at the end of the real tokens.
    original = ids.copy()
    weights = batch["weights"] > 0
    rows = np.nonzero(weights)[0]
    original[rows, batch["mask_positions"][weights]] = batch["mlm"][weights]
    assert ((original == tokenizer.sep_id).sum(axis=1) == 2).all()
    assert (original[np.arange(len(ids)), lengths - 1]
            == tokenizer.sep_id).all()
    assert (batch["segment_ids"][~mask] == 0).all()


def check_pairs(corpus, epochs):
    builder = PairBuilder(corpus, max_seq_length=LENGTH, seed=2)
    instances = np.concatenate([builder.build_epoch(e) for e in epochs])
    random_next = instances[:, IS_RANDOM_NEXT] == 1
    sd = np.sqrt(0.25 / len(instances))
    assert 3 * sd < 0.01, len(instances)  # the sample supports the bound
    assert abs(random_next.mean() - 0.5) < 0.01
    a_docs = corpus.document_of_token(instances[:, A_START])
    b_docs = corpus.document_of_token(instances[:, B_START])
    # A random B never comes from A's document; B never spans two.
    assert (a_docs[random_next] != b_docs[random_next]).all()
    assert (a_docs[~random_next] == b_docs[~random_next]).all()
    assert (corpus.document_of_token(instances[:, B_END] - 1) == b_docs).all()
    short = (instances[:, TARGET_LENGTH] < LENGTH - 3).mean()
    assert abs(short - 0.1) < 0.01, short
    return instances


def test_pairs_on_wikitext(wikitext):
    # ~5,000 pairs per epoch; 6 epochs make the 1-point bounds 3 sigma.
    instances = check_pairs(wikitext, range(6))
    lengths = sequence_lengths(instances)
    assert (lengths <= LENGTH).all()
    # Short targets show in the output: ~10% of sequences are not full
    # (some short targets still fill up; document ends add ~2%), against
    # ~2% when short sequences are turned off.
    assert 0.07 < (lengths < LENGTH).mean() < 0.12
    no_short = PairBuilder(wikitext, LENGTH, short_seq_prob=0.0, seed=2)
    lengths = sequence_lengths(no_short.build_epoch(0))
    assert (lengths < LENGTH).mean() < 0.03


def sequence_lengths(instances):
    return (instances[:, 1] - instances[:, 0]) + (
        instances[:, 3] - instances[:, 2]
    ) + 3


def test_token_masking_on_wikitext(wikitext, tokenizer):
    batch = collect(wikitext, tokenizer, num_batches=60)  # ~40k selections
    check_masking(batch, tokenizer, whole_word=False)
    check_packing(batch, tokenizer)


def test_whole_word_masking_on_wikitext(wikitext, tokenizer):
    batch = collect(wikitext, tokenizer, num_batches=60, whole_word=True)
    check_masking(batch, tokenizer, whole_word=True)
    check_packing(batch, tokenizer)


@pytest.mark.slow
def test_pairs_on_gutenberg(gutenberg):
    check_pairs(gutenberg, range(3))


@pytest.mark.slow
@pytest.mark.parametrize("whole_word", [False, True])
def test_masking_on_gutenberg(gutenberg, tokenizer, whole_word):
    batch = collect(gutenberg, tokenizer, 400, whole_word=whole_word)
    check_masking(batch, tokenizer, whole_word=whole_word)
    check_packing(batch, tokenizer)
