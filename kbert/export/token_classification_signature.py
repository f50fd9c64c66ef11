"""Text-in NER: `text` -> entity spans (text, label, character offsets)."""

import tensorflow as tf

from kbert.export import in_graph


def _tag_tables(label_names):
    """Per tag id: 1 for `B-`, 2 for `I-`, 0 otherwise; and its type id."""
    kinds, types, type_names = [], [], []
    for name in label_names:
        prefix, _, label = name.partition("-")
        if prefix in ("B", "I") and label:
            if label not in type_names:
                type_names.append(label)
            kinds.append(1 if prefix == "B" else 2)
            types.append(type_names.index(label))
        else:
            kinds.append(0)
            types.append(-1)
    return kinds, types, type_names


def token_classification_signature(
    model_fn, tokenizer, *, sequence_length, label_names
):
    """The `serving_default` function of a token classifier.

    Mirrors `kbert.pipelines.TokenClassificationPipeline`: each word (as
    BERT's basic tokenizer splits them) takes the tag of its first piece;
    IOB2 chunks become entities.

    Returns:
        A `tf.function` of `text` (string `[N]`) returning, per text, up to
        E entities (E the most in any text of the batch, at least 1):
        `entity_text`, `entity_label` (string `[N, E]`, "" past the
        text's own), `entity_start`, `entity_end` (int32 character offsets
        `[N, E]`, -1 past them) and `num_entities` (int32 `[N]`).
    """
    kinds, types, type_names = _tag_tables(label_names)
    kinds = tf.constant(kinds, tf.int32)
    types = tf.constant(types, tf.int32)
    type_names = tf.constant(type_names or [""])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, "text")])
    def serve_text(text):
        tokens = tokenizer.tokenize(text)
        keep = sequence_length - 2
        ids = tokens["token_ids"][:, :keep]
        features = in_graph.pack(
            tokenizer, ids, sequence_length=sequence_length
        )
        logits = model_fn(features)["logits"]  # [N, T, C]
        tags = tf.argmax(logits, axis=-1, output_type=tf.int32)[:, 1:]
        # The tag of each kept token ([CLS] dropped).
        token_tags = tf.RaggedTensor.from_tensor(
            tags, lengths=ids.row_lengths()
        )
        word_ids = tokens["word_ids"][:, :keep]
        starts = tokens["start_offsets"][:, :keep]
        ends = tokens["end_offsets"][:, :keep]

        # Words: a token starts one where its word id changes.
        flat_word = word_ids.flat_values
        token_row = word_ids.value_rowids()
        previous = tf.concat([[-1], flat_word[:-1]], 0)
        previous_row = tf.concat([[-1], token_row[:-1]], 0)
        starts_word = (flat_word != previous) | (token_row != previous_row)
        word_of_token = tf.cumsum(tf.cast(starts_word, tf.int32)) - 1
        first_token = tf.where(starts_word)[:, 0]
        num_words = tf.size(first_token)
        word_row = tf.gather(token_row, first_token)
        word_tag = tf.gather(token_tags.flat_values, first_token)
        word_start = tf.gather(starts.flat_values, first_token)
        word_end = tf.math.unsorted_segment_max(
            ends.flat_values, word_of_token, num_words
        )

        # IOB2 chunks: an entity word starts a chunk at B-, after a
        # non-entity word, a word of another type, or a new text.
        kind = tf.gather(kinds, word_tag)
        kind_type = tf.gather(types, word_tag)
        is_entity = kind > 0
        previous_type = tf.concat([[-1], kind_type[:-1]], 0)
        previous_word_row = tf.concat([[-1], word_row[:-1]], 0)
        starts_chunk = is_entity & (
            (kind == 1)
            | (previous_type != kind_type)
            | (previous_word_row != word_row)
        )
        chunk = tf.cumsum(tf.cast(starts_chunk, tf.int32)) - 1
        num_chunks = tf.reduce_sum(tf.cast(starts_chunk, tf.int32))
        entity_words = tf.where(is_entity)[:, 0]
        chunk_end = tf.math.unsorted_segment_max(
            tf.gather(word_end, entity_words),
            tf.gather(chunk, entity_words),
            num_chunks,
        )
        chunk_first = tf.where(starts_chunk)[:, 0]
        chunk_row = tf.gather(word_row, chunk_first)

        def by_text(values, default):
            return tf.RaggedTensor.from_value_rowids(
                values, chunk_row, nrows=tf.shape(text, tf.int64)[0]
            ).to_tensor(default)

        byte_start = by_text(tf.gather(word_start, chunk_first), -1)
        byte_end = by_text(chunk_end, -1)
        labels = by_text(
            tf.gather(type_names, tf.gather(kind_type, chunk_first)), ""
        )
        # At least one column, so an all-empty batch keeps its shape.
        pad = tf.maximum(1 - tf.shape(byte_start)[1], 0)
        byte_start = tf.pad(byte_start, [[0, 0], [0, pad]], constant_values=-1)
        byte_end = tf.pad(byte_end, [[0, 0], [0, pad]], constant_values=-1)
        labels = tf.pad(labels, [[0, 0], [0, pad]], constant_values="")
        return {
            "entity_text": in_graph.cut(text, byte_start, byte_end),
            "entity_label": labels,
            "entity_start": in_graph.char_offsets(text, byte_start),
            "entity_end": in_graph.char_offsets(text, byte_end),
            "num_entities": tf.cast(
                tf.math.bincount(
                    tf.cast(chunk_row, tf.int32),
                    minlength=tf.shape(text)[0],
                ),
                tf.int32,
            ),
        }

    return serve_text
