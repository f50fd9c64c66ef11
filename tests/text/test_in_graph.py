"""The tokenizers inside tf.data and tf.function graphs."""

import pytest
import tensorflow as tf

from kbert.text import pack_segments
from tests.text.conftest import hf_ids, tokenizer_for

TEXTS = ["Hello, world!", "", "naïve café ΟΔΟΣ …", "中文 unaffable"]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_dataset_map_tokenize_and_pack(vocab_paths, kind):
    tokenizer = tokenizer_for(kind, True, vocab_paths)

    def preprocess(texts):
        result = tokenizer.tokenize(texts)
        packed = pack_segments(
            result["token_ids"], sequence_length=12,
            cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id,
            pad_id=tokenizer.pad_id,
        )
        return packed, result["word_ids"]

    dataset = tf.data.Dataset.from_tensor_slices(TEXTS).batch(4)
    packed, word_ids = next(iter(dataset.map(preprocess)))
    expected = hf_ids(vocab_paths, True, TEXTS)
    for row, ids in zip(packed["token_ids"].numpy().tolist(), expected):
        real = [tokenizer.cls_id] + ids[:10] + [tokenizer.sep_id]
        assert row == real + [tokenizer.pad_id] * (12 - len(real))
    assert word_ids.to_list()[0] == [0, 1, 2, 3]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_output_types(vocab_paths, kind):
    result = tokenizer_for(kind, True, vocab_paths).tokenize(TEXTS)
    assert set(result) == {
        "token_ids", "start_offsets", "end_offsets", "word_ids"
    }
    assert result["token_ids"].dtype == tf.int32
    assert result["word_ids"].dtype == tf.int32
    assert result["start_offsets"].dtype == tf.int64
    assert result["end_offsets"].dtype == tf.int64
    for value in result.values():
        assert isinstance(value, tf.RaggedTensor)
        assert value.shape[0] == len(TEXTS)


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_unbatched_dataset_map(vocab_paths, kind):
    # One string at a time gives dense 1-D tensors.
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    dataset = tf.data.Dataset.from_tensor_slices(TEXTS).map(
        tokenizer.tokenize
    )
    results = list(dataset)
    expected = hf_ids(vocab_paths, True, TEXTS)
    assert [r["token_ids"].numpy().tolist() for r in results] == expected
    assert results[0]["start_offsets"].numpy().tolist() == [0, 5, 7, 12]


def test_tokenize_both_in_a_graph_equals_two_calls(vocab_paths):
    """The serving signatures tokenize question and context (or a pair's
    two texts) in one call and split the rows: every output must be what
    two calls give, offsets and word ids included."""
    from kbert.export.in_graph import tokenize_both

    tokenizer = tokenizer_for("core", True, vocab_paths)
    first = tf.constant(TEXTS[:3])
    second = tf.constant(TEXTS[1:] + ["x" * 300])
    spec = tf.TensorSpec([None], tf.string)
    both = tf.function(
        lambda a, b: tokenize_both(tokenizer, a, b),
        input_signature=[spec, spec],
    )(first, second)
    for got, texts in zip(both, (first, second)):
        expected = tokenizer.tokenize(texts)
        assert set(got) == set(expected)
        for name in expected:
            assert got[name].to_list() == expected[name].to_list(), name
