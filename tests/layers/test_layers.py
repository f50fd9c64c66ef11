"""Each layer against a NumPy reference written from the BERT paper."""

from math import erf, sqrt

import keras
import numpy as np
import pytest

from kbert.layers import (
    BertEmbeddings,
    BertEncoderBlock,
    BertPooler,
    BertSelfAttention,
    NextSentenceHead,
)

RNG = np.random.default_rng(0)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def layer_norm(x, gamma, beta, epsilon=1e-12):
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(
        x.var(-1, keepdims=True) + epsilon
    ) * gamma + beta


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


exact_gelu = np.vectorize(lambda v: 0.5 * v * (1.0 + erf(v / sqrt(2.0))))


def reference_attention(x, mask, kernel, bias, out_kernel, out_bias, heads):
    batch, length, hidden = x.shape
    head_dim = hidden // heads
    q, k, v = np.split(x @ kernel + bias, 3, axis=-1)

    def split(t):  # (B, T, H) -> (B, heads, T, head_dim)
        return t.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)

    scores = split(q) @ split(k).transpose(0, 1, 3, 2) / sqrt(head_dim)
    scores = np.where(mask[:, None, None, :] > 0, scores, -np.inf)
    probabilities = softmax(scores)
    context = (probabilities @ split(v)).transpose(0, 2, 1, 3)
    return context.reshape(batch, length, hidden) @ out_kernel + out_bias, (
        probabilities
    )


def random_inputs(batch=2, length=5, hidden=8):
    x = RNG.normal(size=(batch, length, hidden)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], "int32")[:batch]
    return x, mask


@pytest.mark.multibackend
def test_self_attention_matches_reference():
    x, mask = random_inputs()
    layer = BertSelfAttention(hidden_dim=8, num_heads=2)
    output, probabilities = layer(x, mask, return_attention_scores=True)
    kernel, bias = map(numpy, layer.qkv_dense.weights)
    out_kernel, out_bias = map(numpy, layer.output_dense.weights)
    expected, expected_probabilities = reference_attention(
        x, mask, kernel, bias, out_kernel, out_bias, heads=2
    )
    np.testing.assert_allclose(numpy(output), expected, atol=1e-5)
    np.testing.assert_allclose(
        numpy(probabilities), expected_probabilities, atol=1e-6
    )
    # Padded keys get exactly zero attention.
    assert (numpy(probabilities)[0, :, :, 3:] == 0).all()


@pytest.mark.multibackend
def test_encoder_block_is_post_layer_norm_with_exact_gelu():
    x, mask = random_inputs()
    block = BertEncoderBlock(hidden_dim=8, num_heads=2, intermediate_dim=16)
    block.build(x.shape)
    # BERT's 0.02 init keeps pre-activations near 0, where exact and tanh
    # GELU agree; weights of scale 1 make every path visible.
    for weight in block.weights:
        weight.assign(RNG.normal(size=weight.shape).astype("float32"))
    output = numpy(block(x, mask))
    attention = block.attention
    attended, _ = reference_attention(
        x,
        mask,
        *map(numpy, attention.qkv_dense.weights),
        *map(numpy, attention.output_dense.weights),
        heads=2,
    )
    hidden = layer_norm(
        x + attended, *map(numpy, block.attention_layer_norm.weights)
    )
    w1, b1 = map(numpy, block.intermediate_dense.weights)
    w2, b2 = map(numpy, block.output_dense.weights)
    feed_forward = exact_gelu(hidden @ w1 + b1) @ w2 + b2
    expected = layer_norm(
        hidden + feed_forward, *map(numpy, block.output_layer_norm.weights)
    )
    np.testing.assert_allclose(output, expected, atol=1e-4)


def test_block_denses_take_2d_rows():
    """TensorFlow fuses a dense's matmul, bias add and GELU into one kernel
    only for a 2-D matmul: a 3-D input goes through `tensordot`, whose
    reshape splits them (the serving benchmark's QA model about 3 ms
    slower at 176 tokens). Every dense of a block must see `(B * T, H)`."""
    x, mask = random_inputs()
    block = BertEncoderBlock(hidden_dim=8, num_heads=2, intermediate_dim=16)
    block.build(x.shape)
    denses = {
        "qkv": block.attention.qkv_dense,
        "attention output": block.attention.output_dense,
        "intermediate": block.intermediate_dense,
        "output": block.output_dense,
    }
    seen = {}
    for name, dense in denses.items():

        def recording(inputs, original=dense.call, name=name):
            seen[name] = tuple(inputs.shape)
            return original(inputs)

        dense.call = recording
    output = block(x, mask)
    rows = x.shape[0] * x.shape[1]
    assert seen == {
        "qkv": (rows, 8),
        "attention output": (rows, 8),
        "intermediate": (rows, 8),
        "output": (rows, 16),
    }
    assert tuple(output.shape) == x.shape


@pytest.mark.multibackend
def test_dropout_acts_only_in_training():
    x, mask = random_inputs()
    block = BertEncoderBlock(
        hidden_dim=8, num_heads=2, intermediate_dim=16, dropout=0.5
    )
    inference = numpy(block(x, mask, training=False))
    np.testing.assert_array_equal(inference, numpy(block(x, mask)))
    assert not np.allclose(numpy(block(x, mask, training=True)), inference)


@pytest.mark.multibackend
def test_embeddings_sum_token_segment_position_then_normalise():
    layer = BertEmbeddings(
        vocabulary_size=10, hidden_dim=8, max_sequence_length=6
    )
    token_ids = np.array([[2, 5, 9, 0]], "int32")
    segment_ids = np.array([[0, 0, 1, 1]], "int32")
    output = numpy(layer(token_ids, segment_ids))
    tokens = numpy(layer.token_embedding.embeddings)[token_ids]
    segments = numpy(layer.segment_embedding.embeddings)[segment_ids]
    positions = numpy(layer.position_embedding.embeddings)[:4][None]
    expected = layer_norm(
        tokens + segments + positions, *map(numpy, layer.layer_norm.weights)
    )
    np.testing.assert_allclose(output, expected, atol=1e-5)


@pytest.mark.multibackend
def test_pooler_and_next_sentence_head():
    x, _ = random_inputs()
    pooler = BertPooler(hidden_dim=8)
    pooled = numpy(pooler(x))
    kernel, bias = map(numpy, pooler.dense.weights)
    np.testing.assert_allclose(
        pooled, np.tanh(x[:, 0] @ kernel + bias), atol=1e-6
    )
    head = NextSentenceHead()
    logits = head(pooled)
    kernel, bias = map(numpy, head.dense.weights)
    np.testing.assert_allclose(numpy(logits), pooled @ kernel + bias, atol=1e-6)


@pytest.mark.parametrize(
    "layer_class, arguments",
    [
        # Every argument away from its default, so a field that get_config
        # drops comes back as the default and fails the comparison.
        (
            BertEmbeddings,
            dict(
                vocabulary_size=10, hidden_dim=8, max_sequence_length=40,
                type_vocab_size=3, dropout=0.2, layer_norm_epsilon=1e-6,
                initializer_range=0.05,
            ),
        ),
        (
            BertSelfAttention,
            dict(
                hidden_dim=8, num_heads=4, attention_dropout=0.0,
                initializer_range=0.05,
            ),
        ),
        (
            BertEncoderBlock,
            dict(
                hidden_dim=8, num_heads=2, intermediate_dim=16, dropout=0.2,
                attention_dropout=0.3, activation="relu",
                layer_norm_epsilon=1e-6, initializer_range=0.05,
            ),
        ),
        (BertPooler, dict(hidden_dim=8, initializer_range=0.05)),
        (NextSentenceHead, dict(initializer_range=0.05)),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_layer_config_round_trip(layer_class, arguments):
    rebuilt = layer_class.from_config(layer_class(**arguments).get_config())
    config = rebuilt.get_config()
    assert {name: config.get(name) for name in arguments} == arguments


def test_initializer_is_truncated_normal_with_bert_range():
    layer = BertEmbeddings(vocabulary_size=4000, hidden_dim=64)
    layer.build((1, 4))
    table = numpy(layer.token_embedding.embeddings)
    # keras' TruncatedNormal cuts at 2 stddev.
    assert np.abs(table).max() <= 2 * 0.02 + 1e-7
    assert abs(table.std() - 0.02 * 0.88) < 0.001
