"""Masked-LM masking with hand-made ids; deterministic rates for exact
outputs."""

import numpy as np
import pytest
import tensorflow as tf

from kbert.data.masked_lm_masker import MaskedLMMasker

PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
SPECIALS = [PAD, UNK, CLS, SEP, MASK]
# [CLS] 50 51 [UNK] 52 [SEP] 53 [SEP] [PAD] [PAD]
TOKENS = [[CLS, 50, 51, UNK, 52, SEP, 53, SEP, PAD, PAD]]
PADDING = [[1, 1, 1, 1, 1, 1, 1, 1, 0, 0]]


def masker(**kwargs):
    arguments = dict(
        vocabulary_size=100,
        mask_id=MASK,
        special_ids=SPECIALS,
        max_predictions_per_seq=6,
    )
    arguments.update(kwargs)
    return MaskedLMMasker(**arguments)


def numpy(outputs):
    return {name: value.numpy().tolist() for name, value in outputs.items()}


def test_select_everything_and_mask_everything():
    out = masker(
        mask_selection_rate=1.0, mask_token_rate=1.0, random_token_rate=0.0
    )(TOKENS, PADDING, seed=[1, 2])
    assert numpy(out) == {
        "token_ids": [[CLS, MASK, MASK, UNK, MASK, SEP, MASK, SEP, PAD, PAD]],
        "mask_positions": [[1, 2, 4, 6, 0, 0]],
        "mask_ids": [[50, 51, 52, 53, 0, 0]],
        "mask_weights": [[1.0, 1.0, 1.0, 1.0, 0.0, 0.0]],
    }


def test_select_everything_keep_everything():
    out = masker(
        mask_selection_rate=1.0, mask_token_rate=0.0, random_token_rate=0.0
    )(TOKENS, PADDING, seed=[1, 2])
    assert numpy(out)["token_ids"] == TOKENS
    assert numpy(out)["mask_ids"] == [[50, 51, 52, 53, 0, 0]]


def test_random_replacement_never_draws_a_special_token():
    out = masker(
        vocabulary_size=7,  # ids 5 and 6 are the only ordinary tokens
        mask_selection_rate=1.0,
        mask_token_rate=0.0,
        random_token_rate=1.0,
    )(tf.tile(tf.constant(TOKENS), [50, 1]), tf.tile(PADDING, [50, 1]),
      seed=[3, 4])
    replaced = out["token_ids"].numpy()[:, [1, 2, 4, 6]]
    assert set(np.unique(replaced)) == {5, 6}


def test_max_predictions_caps_the_selection():
    out = masker(
        mask_selection_rate=1.0,
        mask_token_rate=1.0,
        random_token_rate=0.0,
        max_predictions_per_seq=2,
    )(TOKENS, PADDING, seed=[5, 6])
    ids = out["token_ids"].numpy()[0]
    assert (ids == MASK).sum() == 2
    positions = out["mask_positions"].numpy()[0]
    assert list(positions) == sorted(positions)
    assert set(np.flatnonzero(ids == MASK)) == set(positions)
    assert out["mask_weights"].numpy().tolist() == [[1.0, 1.0]]


def test_nothing_selected_at_rate_zero():
    out = masker(mask_selection_rate=0.0)(TOKENS, PADDING, seed=[1, 1])
    assert numpy(out)["token_ids"] == TOKENS
    assert numpy(out)["mask_weights"] == [[0.0] * 6]


def test_fewer_slots_than_tokens_pads_the_prediction_slots():
    out = masker(
        mask_selection_rate=1.0, max_predictions_per_seq=12
    )(TOKENS, PADDING, seed=[1, 1])
    assert out["mask_positions"].shape == (1, 12)
    assert out["mask_weights"].numpy().sum() == 4


def test_whole_word_never_splits_a_word():
    # Two words of two pieces each: [CLS] w ##w v ##v [SEP]; a budget of
    # round(0.5 * 4) = 2 fits exactly one word.
    tokens = tf.tile([[CLS, 60, 61, 70, 71, SEP]], [200, 1])
    starts = tf.tile([[True, True, False, True, False, True]], [200, 1])
    out = masker(
        mask_selection_rate=0.5,
        mask_token_rate=1.0,
        random_token_rate=0.0,
        whole_word=True,
    )(tokens, tf.ones_like(tokens), starts, seed=[7, 8])
    masked = (out["token_ids"].numpy() == MASK)[:, 1:5]
    patterns = {tuple(row) for row in masked.tolist()}
    assert patterns == {(True, True, False, False), (False, False, True, True)}


def test_whole_word_fills_the_budget_with_one_piece_words():
    # A three-piece word can never fit a budget of 2; the two one-piece
    # words always do.
    tokens = [[CLS, 60, 61, 62, 70, 80, SEP]]
    starts = [[True, True, False, False, True, True, True]]
    out = masker(
        mask_selection_rate=0.4,  # round(0.4 * 5) = 2
        mask_token_rate=1.0,
        random_token_rate=0.0,
        whole_word=True,
    )(tokens, [[1] * 7], starts, seed=[1, 9])
    assert numpy(out)["token_ids"] == [[CLS, 60, 61, 62, MASK, MASK, SEP]]


def test_same_seed_same_masks_other_seed_other_masks():
    tokens = tf.tile([list(range(10, 74))], [8, 1])
    padding = tf.ones_like(tokens)
    first = numpy(masker()(tokens, padding, seed=[1, 2]))
    again = numpy(masker()(tokens, padding, seed=[1, 2]))
    other = numpy(masker()(tokens, padding, seed=[1, 3]))
    assert first == again
    assert first["mask_positions"] != other["mask_positions"]


def test_runs_inside_a_tf_function_with_unknown_shapes():
    m = masker(mask_selection_rate=1.0, mask_token_rate=1.0,
               random_token_rate=0.0)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def run(tokens):
        return m(tokens, tf.ones_like(tokens), seed=[1, 2])["token_ids"]

    assert run(tf.constant([[CLS, 50, SEP]])).numpy().tolist() == [
        [CLS, MASK, SEP]
    ]


@pytest.mark.parametrize(
    "argument, value, message",
    [
        ("max_predictions_per_seq", 0, "max_predictions_per_seq=0"),
        ("mask_selection_rate", 1.2, "mask_selection_rate=1.2"),
        ("random_token_rate", 0.5, "0.8 \\+ 0.5"),
    ],
)
def test_bad_arguments_name_the_value(argument, value, message):
    with pytest.raises(ValueError, match=message):
        masker(**{argument: value})


def test_80_10_10_split_holds_statistically():
    # 500 rows of 62 ordinary tokens between [CLS] and [SEP]: about 4,650
    # selected tokens, so each share is within 0.03 (over 4 standard
    # deviations) of BERT's 80% [MASK], 10% random token, 10% unchanged.
    rng = np.random.default_rng(0)
    rows, length = 500, 64
    ordinary = rng.integers(10, 100, size=(rows, length))
    ordinary[:, 0], ordinary[:, -1] = CLS, SEP
    out = masker(max_predictions_per_seq=20)(
        tf.constant(ordinary, tf.int32), tf.ones((rows, length), tf.int32),
        seed=[5, 6],
    )
    weights = out["mask_weights"].numpy() > 0
    positions = out["mask_positions"].numpy()[weights]
    row_of = np.repeat(np.arange(rows), weights.sum(axis=1))
    original = out["mask_ids"].numpy()[weights]
    now = out["token_ids"].numpy()[row_of, positions]
    assert (original == ordinary[row_of, positions]).all()
    selected = len(original)
    # 15% of the 62 maskable tokens of each row.
    assert abs(selected / rows - 0.15 * 62) <= 0.5
    masked = np.mean(now == MASK)
    random = np.mean((now != MASK) & (now != original))
    kept = np.mean(now == original)
    # A random draw equals the original 1 time in 95 (ids 5..99 are drawn).
    assert masked == pytest.approx(0.8, abs=0.03)
    assert random == pytest.approx(0.1 * 94 / 95, abs=0.03)
    assert kept == pytest.approx(0.1 + 0.1 / 95, abs=0.03)
    # Nothing outside the selected positions changed.
    unselected = np.ones_like(ordinary, dtype=bool)
    unselected[row_of, positions] = False
    assert (out["token_ids"].numpy()[unselected] == ordinary[unselected]).all()
