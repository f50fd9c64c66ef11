"""Text-in extractive QA: `question`, `context` -> `answer`, span, `score`.

The whole of BERT's SQuAD inference runs in the graph: question cut to
`max_query_length` tokens, the context covered by windows `doc_stride`
apart, every window scored, and the best span over all windows picked with
the same rules as `kbert.evaluation.decode_answers` (n-best starts and
ends per window, spans inside the context, at most `max_answer_length`
tokens, starting where the window gives the token its most context).
"""

import tensorflow as tf

from kbert.export import in_graph

# Byte offsets fit below this, so (start, end) packs into one int64 key.
_SPAN_BASE = 1 << 31


def _windows(
    tokenizer, question, context, sequence_length, doc_stride, max_query_length
):
    """Window features, as `kbert.data.squad_features` builds them."""
    query, doc = in_graph.tokenize_both(tokenizer, question, context)
    query = tf.cast(query["token_ids"][:, :max_query_length], tf.int32)
    doc_ids = tf.cast(doc["token_ids"], tf.int32)
    query_length = query.row_lengths()
    doc_length = doc_ids.row_lengths()
    room = sequence_length - query_length - 3  # [CLS] q [SEP] ... [SEP]
    tf.debugging.assert_positive(
        room,
        message=(
            f"sequence_length={sequence_length} leaves no room for the "
            "context after the question"
        ),
    )
    step = tf.minimum(room, doc_stride)
    extra = tf.maximum(doc_length - room, 0)
    num_windows = 1 + (extra + step - 1) // step
    example = tf.repeat(
        tf.range(tf.size(question, tf.int64)), num_windows
    )  # [W]
    first = tf.ragged.range(num_windows).flat_values * tf.gather(step, example)
    last = tf.minimum(
        first + tf.gather(room, example), tf.gather(doc_length, example)
    )  # exclusive
    positions = tf.ragged.range(first, last)  # [W, (tokens)] in the doc
    flat = positions.with_flat_values(
        positions.flat_values
        + tf.gather(
            tf.gather(doc_ids.row_starts(), example),
            positions.value_rowids(),
        )
    )
    num = tf.size(example)
    cls = tf.fill([num, 1], tf.constant(tokenizer.cls_id, tf.int32))
    sep = tf.fill([num, 1], tf.constant(tokenizer.sep_id, tf.int32))
    window_query = tf.gather(query, example)
    ids = tf.concat(
        [cls, window_query, sep, tf.gather(doc_ids.flat_values, flat), sep],
        axis=1,
    )
    doc_start = tf.gather(query_length, example) + 2

    def offsets(values):
        # -1 on [CLS], the question and the [SEP]s; byte offsets elsewhere.
        outside = tf.cast(tf.fill([num, 1], -1), tf.int64)
        return tf.concat(
            [
                outside,
                tf.ones_like(window_query, tf.int64) * -1,
                outside,
                tf.gather(values.flat_values, flat),
                outside,
            ],
            axis=1,
        ).to_tensor(-1)

    token_ids = ids.to_tensor(tokenizer.pad_id)
    padding_mask = tf.ones_like(ids).to_tensor(0)
    column = tf.range(tf.shape(token_ids, tf.int64)[1])[None, :]
    segment_ids = tf.cast(column >= doc_start[:, None], tf.int32) * padding_mask
    return {
        "features": {
            "token_ids": token_ids,
            "segment_ids": segment_ids,
            "padding_mask": padding_mask,
        },
        "example": example,
        "first": first,
        "last": last,
        "doc_start": doc_start,
        "start_offsets": offsets(doc["start_offsets"]),
        "end_offsets": offsets(doc["end_offsets"]),
    }


def _logits(model_fn, features, windows_per_call):
    """Start and end logits `[W, T]`, `windows_per_call` windows a call."""
    count = tf.shape(features["token_ids"])[0]
    width = tf.shape(features["token_ids"])[1]

    def empty():
        return tf.TensorArray(
            tf.float32,
            size=0,
            dynamic_size=True,
            infer_shape=False,
            element_shape=tf.TensorShape([None, None]),
        ).write(0, tf.zeros([0, width]))

    def step(index, starts, ends):
        rows = tf.range(
            index * windows_per_call,
            tf.minimum((index + 1) * windows_per_call, count),
        )
        chunk = in_graph.trim_padding(
            {name: tf.gather(value, rows) for name, value in features.items()}
        )
        outputs = model_fn(chunk)
        pad = [[0, 0], [0, width - tf.shape(chunk["token_ids"])[1]]]

        def padded(logits):
            return tf.pad(
                tf.cast(logits, tf.float32),
                pad,
                constant_values=in_graph.PADDING_LOGIT,
            )

        return (
            index + 1,
            starts.write(index + 1, padded(outputs["start"])),
            ends.write(index + 1, padded(outputs["end"])),
        )

    calls = (count + windows_per_call - 1) // windows_per_call
    _, starts, ends = tf.while_loop(
        lambda index, *_: index < calls, step, (0, empty(), empty())
    )
    return starts.concat(), ends.concat()


def _start_allowed(windows):
    """`[W, T]`: where an answer may start, as `squad_features`'
    `max_context` marks it: a context token of a window that gives it its
    most context."""
    window_index = tf.range(tf.size(windows["example"], tf.int64))
    width = tf.shape(windows["start_offsets"], out_type=tf.int64)[1]
    doc_token = (
        windows["first"][:, None]
        + tf.range(width)[None, :]
        - windows["doc_start"][:, None]
    )
    return (windows["start_offsets"] >= 0) & _max_context(
        windows, window_index, doc_token
    )


def _max_context(windows, window_index, token):
    """Whether each window gives its doc token `token` `[W, K]` its most
    context, by BERT's score min(left, right) + 0.01 * window length (the
    first window wins ties), in float64 as Python computes it."""
    example = windows["example"]
    by_example = tf.RaggedTensor.from_value_rowids(
        tf.range(tf.size(example, tf.int64)), example
    ).to_tensor(-1)  # [N, V] the windows of each example
    others = tf.gather(by_example, example)  # [W, V]
    first = tf.gather(windows["first"], tf.maximum(others, 0))[:, None, :]
    last = tf.gather(windows["last"], tf.maximum(others, 0))[:, None, :] - 1
    token = token[:, :, None]  # [W, K, 1]
    contains = (others[:, None, :] >= 0) & (first <= token) & (token <= last)
    score = tf.cast(
        tf.minimum(token - first, last - token), tf.float64
    ) + 0.01 * tf.cast(last - first + 1, tf.float64)
    score = tf.where(contains, score, -float("inf"))
    best = tf.reduce_max(score, axis=-1, keepdims=True)
    winner = tf.reduce_min(
        tf.where(score == best, others[:, None, :], tf.int64.max), axis=-1
    )
    return winner == window_index[:, None]


def question_answering_signature(
    model_fn,
    tokenizer,
    *,
    sequence_length,
    doc_stride,
    max_query_length,
    n_best_size,
    max_answer_length,
    no_answer_threshold=None,
    windows_per_call=32,
):
    """The `serving_default` function of a `BertQuestionAnswerer`.

    Args:
        no_answer_threshold: SQuAD 2.0's (the model's): "no answer" when
            the null score exceeds the best span's by more than this; None
            always answers.

    Returns:
        A `tf.function` of `question`, `context` (string `[N]`) returning
        `answer` (string `[N]`, "" when no span fits or the null score
        wins), `start`, `end` (int32 character offsets into the context,
        -1 without an answer), `score` (float32 start + end logit of the
        best span, -inf when none fits) and `null_score` (float32 start +
        end logit at `[CLS]`, the lowest over the windows), as
        `QuestionAnsweringPipeline` gives them.
    """

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, "question"),
            tf.TensorSpec([None], tf.string, "context"),
        ]
    )
    def serve_text(question, context):
        tf.debugging.assert_equal(
            tf.shape(question),
            tf.shape(context),
            message="question and context must hold as many texts",
        )
        windows = _windows(
            tokenizer,
            question,
            context,
            sequence_length,
            doc_stride,
            max_query_length,
        )
        start_logits, end_logits = _logits(
            model_fn, windows["features"], windows_per_call
        )
        found, byte_start, byte_end, best = best_spans(
            start_logits,
            end_logits,
            windows["start_offsets"],
            windows["end_offsets"],
            _start_allowed(windows),
            windows["example"],
            tf.size(question),
            n_best_size=n_best_size,
            max_answer_length=max_answer_length,
        )
        null = tf.math.unsorted_segment_min(
            start_logits[:, 0] + end_logits[:, 0],
            windows["example"],
            tf.size(question),
        )
        if no_answer_threshold is not None:
            threshold = tf.constant(no_answer_threshold, tf.float32)
            abstain = null - best > threshold
            none = -tf.ones_like(byte_start)
            byte_start = tf.where(abstain, none, byte_start)
            byte_end = tf.where(abstain, none, byte_end)
        byte_start, byte_end = byte_start[:, None], byte_end[:, None]
        return {
            "answer": in_graph.cut(context, byte_start, byte_end)[:, 0],
            "start": in_graph.char_offsets(context, byte_start)[:, 0],
            "end": in_graph.char_offsets(context, byte_end)[:, 0],
            "score": best,
            "null_score": null,
        }

    return serve_text


def best_spans(
    start_logits,
    end_logits,
    start_offsets,
    end_offsets,
    start_allowed,
    example,
    num_examples,
    *,
    n_best_size,
    max_answer_length,
):
    """The best span of each question over its windows, in graph ops.

    The rules of `kbert.evaluation.decode_answers` (the NumPy definition;
    a test runs the same hand-made logits through both): per window the
    `n_best_size` highest starts and ends; a start must be allowed (in the
    context, where its window gives it most context), an end must be in
    the context (offset >= 0), at or after the start, and the span at most
    `max_answer_length` tokens; score = start + end logit; the best score
    of all windows wins, equal scores going to the earliest span.

    Args:
        start_logits, end_logits: float32 `[W, T]`.
        start_offsets, end_offsets: int64 `[W, T]` offsets of each token's
            start and end in its context (-1 outside the context), below
            2**31.
        start_allowed: bool `[W, T]`.
        example: int64 `[W]`, the question of each window.
        num_examples: the number of questions N.
        n_best_size, max_answer_length: ints.

    Returns:
        `(found, start, end, score)`, each `[N]`: whether a span fits, its
        start and end offsets (-1 without one) and its score (-inf without
        one).
    """
    width = tf.shape(start_logits)[1]
    k = tf.minimum(n_best_size, width)
    top_start = tf.math.top_k(start_logits, k)  # [W, k]
    top_end = tf.math.top_k(end_logits, k)
    starts, ends = top_start.indices, top_end.indices

    def at(values, index):
        return tf.gather(values, index, batch_dims=1)

    span_start = at(start_offsets, starts)  # [W, k]
    span_end = at(end_offsets, ends)
    length = ends[:, None, :] - starts[:, :, None] + 1  # [W, k, k]
    valid = (
        at(start_allowed, starts)[:, :, None]
        & (span_end >= 0)[:, None, :]
        & (length >= 1)
        & (length <= max_answer_length)
    )
    score = top_start.values[:, :, None] + top_end.values[:, None, :]
    key = span_start[:, :, None] * _SPAN_BASE + span_end[:, None, :]
    shape = tf.shape(valid)
    owner = tf.broadcast_to(example[:, None, None], shape)
    valid, owner = tf.reshape(valid, [-1]), tf.reshape(owner, [-1])
    score = tf.reshape(tf.broadcast_to(score, shape), [-1])
    key = tf.reshape(key, [-1])

    # The best score per question; equal scores go to the earliest span.
    score = tf.where(valid, score, -float("inf"))
    best = tf.math.unsorted_segment_max(score, owner, num_examples)
    found = (
        tf.math.unsorted_segment_sum(
            tf.cast(valid, tf.int32), owner, num_examples
        )
        > 0
    )
    best_key = tf.math.unsorted_segment_min(
        tf.where(valid & (score == tf.gather(best, owner)), key, tf.int64.max),
        owner,
        num_examples,
    )
    return (
        found,
        tf.where(found, best_key // _SPAN_BASE, -1),
        tf.where(found, best_key % _SPAN_BASE, -1),
        tf.where(found, best, -float("inf")),
    )
