"""The pretraining tf.data factory on hand-made token ids."""

import numpy as np
import pytest

from kbert.data.pretraining_dataset import make_pretraining_dataset
from kbert.data.tokenized_corpus import TokenizedCorpus

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
    f"w{i}" for i in range(5, 200)
]
PAD, CLS, SEP, MASK = 0, 2, 3, 4


def synthetic_corpus(num_documents=6, sentences=12, seed=0):
    rng = np.random.default_rng(seed)
    return TokenizedCorpus.from_token_lists(
        [
            [
                rng.integers(5, 200, rng.integers(3, 15)).tolist()
                for _ in range(sentences)
            ]
            for _ in range(num_documents)
        ]
    )


def batches(dataset, count):
    return [
        {
            **{k: v.numpy() for k, v in features.items()},
            "mlm": labels["mlm"].numpy(),
            "nsp": labels["nsp"].numpy(),
            "weights": weights["mlm"].numpy(),
        }
        for features, labels, weights in dataset.take(count)
    ]


def test_batches_follow_the_data_contract():
    dataset = make_pretraining_dataset(
        synthetic_corpus(), VOCABULARY, batch_size=4, max_seq_length=24,
        max_predictions_per_seq=5, seed=1,
    )
    features, labels, weights = next(iter(dataset))
    assert {k: (v.shape, v.dtype.name) for k, v in features.items()} == {
        "token_ids": ((4, 24), "int32"),
        "segment_ids": ((4, 24), "int32"),
        "padding_mask": ((4, 24), "int32"),
        "mask_positions": ((4, 5), "int32"),
    }
    assert {k: (v.shape, v.dtype.name) for k, v in labels.items()} == {
        "mlm": ((4, 5), "int32"),
        "nsp": ((4,), "int32"),
    }
    assert {k: (v.shape, v.dtype.name) for k, v in weights.items()} == {
        "mlm": ((4, 5), "float32"),
    }


def test_packing_is_cls_a_sep_b_sep_with_nothing_masked():
    # Room for 5 tokens: each chunk is two sentences, and with no random
    # next and no short targets only the order is random.
    corpus = TokenizedCorpus.from_token_lists(
        [[[10, 11, 12], [13, 14], [15, 16, 17], [18]], [[20, 21], [22, 23]]]
    )
    dataset = make_pretraining_dataset(
        corpus, VOCABULARY, batch_size=3, max_seq_length=8,
        max_predictions_per_seq=2, masked_lm_prob=0.0, short_seq_prob=0.0,
        random_next_prob=0.0, num_epochs=1,
    )
    (batch,) = batches(dataset, 5)
    rows = sorted(
        zip(
            batch["token_ids"].tolist(),
            batch["segment_ids"].tolist(),
            batch["padding_mask"].tolist(),
        )
    )
    assert rows == [
        (
            [CLS, 10, 11, 12, SEP, 13, 14, SEP],
            [0, 0, 0, 0, 0, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 1, 1],
        ),
        (
            [CLS, 15, 16, 17, SEP, 18, SEP, PAD],
            [0, 0, 0, 0, 0, 1, 1, 0],
            [1, 1, 1, 1, 1, 1, 1, 0],
        ),
        (
            [CLS, 20, 21, SEP, 22, 23, SEP, PAD],
            [0, 0, 0, 0, 1, 1, 1, 0],
            [1, 1, 1, 1, 1, 1, 1, 0],
        ),
    ]
    assert batch["nsp"].tolist() == [0, 0, 0]
    assert batch["weights"].sum() == 0


def test_masked_tokens_and_labels_restore_the_original():
    corpus = TokenizedCorpus.from_token_lists(
        [[[10, 11, 12], [13, 14]], [[20, 21], [22, 23]]]
    )
    dataset = make_pretraining_dataset(
        corpus, VOCABULARY, batch_size=2, max_seq_length=9,
        max_predictions_per_seq=5, masked_lm_prob=1.0, mask_token_rate=1.0,
        random_token_rate=0.0, short_seq_prob=0.0, random_next_prob=0.0,
        num_epochs=1,
    )
    (batch,) = batches(dataset, 1)
    for i in range(2):
        ids = batch["token_ids"][i]
        positions = batch["mask_positions"][i]
        text = (ids != CLS) & (ids != SEP) & (ids != PAD)
        assert (ids[text] == MASK).all()
        assert list(positions[: text.sum()]) == list(np.flatnonzero(text))
    assert sorted(batch["mlm"].tolist()) == [
        [10, 11, 12, 13, 14],
        [20, 21, 22, 23, 0],
    ]
    assert sorted(batch["weights"].tolist()) == [
        [1.0, 1.0, 1.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 1.0, 1.0],
    ]


def test_same_seed_same_batches_other_seed_other_batches():
    corpus = synthetic_corpus()
    make = lambda seed: batches(  # noqa: E731
        make_pretraining_dataset(corpus, VOCABULARY, 4, 32, 5, seed=seed), 3
    )
    first, again, other = make(1), make(1), make(2)
    for a, b in zip(first, again):
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
    assert any(
        (a["token_ids"] != c["token_ids"]).any() for a, c in zip(first, other)
    )


def fixed_pairs_dataset(**kwargs):
    """Batches of 8 from eight documents of two 10-token sentences, with no
    random next and no short targets: each epoch holds the same 8 pairs."""
    rng = np.random.default_rng(3)
    corpus = TokenizedCorpus.from_token_lists(
        [[rng.integers(5, 200, 10).tolist() for _ in range(2)]
         for _ in range(8)]
    )
    return make_pretraining_dataset(
        corpus, VOCABULARY, batch_size=8, max_seq_length=23,
        max_predictions_per_seq=6, short_seq_prob=0.0, random_next_prob=0.0,
        **kwargs,
    )


def test_the_next_epoch_masks_the_same_pair_differently():
    # Every epoch has the same 8 pairs (in another order), so only the
    # masks can differ.
    dataset = fixed_pairs_dataset(seed=5)
    epoch0, epoch1 = batches(dataset, 2)

    def masks_by_pair(batch):
        result = {}
        for i in range(8):
            original = batch["token_ids"][i].copy()
            weights = batch["weights"][i] > 0
            original[batch["mask_positions"][i][weights]] = batch["mlm"][i][
                weights
            ]
            result[tuple(original)] = tuple(batch["mask_positions"][i])
        return result

    masks0, masks1 = masks_by_pair(epoch0), masks_by_pair(epoch1)
    assert masks0.keys() == masks1.keys()  # the same 8 pairs
    differing = sum(masks0[pair] != masks1[pair] for pair in masks0)
    assert differing >= 6


def test_start_step_resumes_exactly_across_epoch_boundaries():
    corpus = synthetic_corpus(num_documents=3, sentences=6)
    full = batches(
        make_pretraining_dataset(corpus, VOCABULARY, 4, 32, 5, seed=9), 12
    )
    resumed = batches(
        make_pretraining_dataset(
            corpus, VOCABULARY, 4, 32, 5, seed=9, start_step=7
        ),
        5,
    )
    for a, b in zip(full[7:], resumed):
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])


def test_shards_split_each_global_batch():
    corpus = synthetic_corpus()
    whole = batches(
        make_pretraining_dataset(corpus, VOCABULARY, 4, 32, 5, seed=4), 2
    )
    shards = [
        batches(
            make_pretraining_dataset(
                corpus, VOCABULARY, 4, 32, 5, seed=4, num_shards=2,
                shard_index=index,
            ),
            2,
        )
        for index in range(2)
    ]
    for step in range(2):
        # Masks differ per shard; the pairs (segments, padding) do not.
        for name in ("segment_ids", "padding_mask", "nsp"):
            expected = whole[step][name]
            np.testing.assert_array_equal(shards[0][step][name], expected[0::2])
            np.testing.assert_array_equal(shards[1][step][name], expected[1::2])


def test_one_document_corpus_is_a_clear_error():
    corpus = TokenizedCorpus.from_token_lists([[[5, 6], [7, 8]], [[]]])
    with pytest.raises(ValueError, match="at least 2 non-empty documents"):
        make_pretraining_dataset(corpus, VOCABULARY, batch_size=2)


def test_a_vocabulary_without_mask_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\['\[MASK\]'\]"):
        make_pretraining_dataset(
            synthetic_corpus(), VOCABULARY[:4] + ["w4"], batch_size=2
        )


def test_a_sentence_longer_than_max_seq_length_fits():
    corpus = TokenizedCorpus.from_token_lists(
        [[list(range(5, 200)) * 3, [7, 8]], [[9, 10, 11]]]
    )
    (batch,) = batches(
        make_pretraining_dataset(
            corpus, VOCABULARY, 2, 16, 3, seed=1, num_epochs=1
        ),
        1,
    )
    assert batch["token_ids"].shape == (2, 16)
    assert (batch["token_ids"][:, 0] == CLS).all()
    # Both specials survive truncation in every row.
    assert ((batch["token_ids"] == SEP).sum(axis=1) == 2).all()


@pytest.mark.multibackend
def test_a_pretrainer_trains_on_it():
    from kbert.models import BertBackbone, BertPretrainer

    backbone = BertBackbone(
        vocabulary_size=len(VOCABULARY), num_layers=1, hidden_dim=16,
        num_heads=2, intermediate_dim=32, max_sequence_length=32,
    )
    pretrainer = BertPretrainer(backbone)
    pretrainer.compile()
    dataset = make_pretraining_dataset(
        synthetic_corpus(), VOCABULARY, 4, 32, 5, seed=1
    )
    history = pretrainer.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
