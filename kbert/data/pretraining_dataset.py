"""The pretraining `tf.data.Dataset`: NSP pairs -> packed, masked batches."""

import tensorflow as tf

from kbert.data.masked_lm_masker import MaskedLMMasker
from kbert.data.pair_builder import PairBuilder
from kbert.validation import check_int

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def make_pretraining_dataset(
    corpus,
    vocabulary,
    batch_size,
    max_seq_length=128,
    max_predictions_per_seq=20,
    whole_word_masking=False,
    seed=0,
    start_step=0,
    num_epochs=None,
    masked_lm_prob=0.15,
    mask_token_rate=0.8,
    random_token_rate=0.1,
    short_seq_prob=0.1,
    random_next_prob=0.5,
    num_shards=1,
    shard_index=0,
):
    """Builds batches `(features, labels, sample_weights)` for
    `BertPretrainer.fit`.

    Each epoch cuts the corpus into fresh NSP pairs (`PairBuilder`,
    shuffled) and masks every batch afresh (`MaskedLMMasker`), so masks
    are dynamic; both are keyed by `seed`, the epoch and the global step,
    so the same arguments always give the same batches. Epochs follow one
    another without a gap, batch `s` being instances `[s * batch_size,
    (s + 1) * batch_size)` of that endless stream; `start_step=s` starts
    exactly there, which is how training resumes after a crash.

    Features: `token_ids`, `segment_ids`, `padding_mask`, `mask_positions`
    (int32); labels `{"mlm": mask_ids (B, P) int32, "nsp": is_random_next
    (B,) int32}`; sample weights `{"mlm": mask_weights (B, P) float32}`.

    Args:
        corpus: a `TokenizedCorpus` (at least 2 documents).
        vocabulary: the token list (or a tokenizer's `vocabulary`); it must
            hold `[PAD] [UNK] [CLS] [SEP] [MASK]`.
        batch_size: global batch size (per shard: `batch_size //
            num_shards`).
        max_seq_length: packed length T.
        max_predictions_per_seq: prediction slots P.
        whole_word_masking: mask all pieces of a word together.
        seed: an int.
        start_step: the first global step to produce.
        num_epochs: None for an endless dataset, else the number of epochs
            (counted from the start; a partial last batch is dropped).
        masked_lm_prob, mask_token_rate, random_token_rate: masking rates
            (15%, 80%, 10%).
        short_seq_prob, random_next_prob: pair-building probabilities.
        num_shards, shard_index: for multi-worker input, each worker takes
            every `num_shards`-th instance of each global batch.

    Returns:
        A `tf.data.Dataset`, parallel and prefetched.

    Example:
    >>> dataset = make_pretraining_dataset(  # doctest: +SKIP
    ...     corpus, tokenizer.vocabulary, batch_size=32, seed=1)
    >>> pretrainer.fit(dataset, steps_per_epoch=1000)  # doctest: +SKIP
    """
    if batch_size < 1 or batch_size % num_shards:
        raise ValueError(
            "Received an invalid value for `batch_size`: expected a "
            f"positive multiple of num_shards={num_shards}. Received: "
            f"batch_size={batch_size!r}"
        )
    check_int(
        "shard_index", shard_index, 0, num_shards - 1,
        reason=f" (num_shards={num_shards})",
    )
    ids = special_token_ids(vocabulary)
    builder = PairBuilder(
        corpus,
        max_seq_length=max_seq_length,
        short_seq_prob=short_seq_prob,
        random_next_prob=random_next_prob,
        seed=seed,
    )
    masker = MaskedLMMasker(
        vocabulary_size=len(vocabulary),
        mask_id=ids["[MASK]"],
        special_ids=ids.values(),
        max_predictions_per_seq=max_predictions_per_seq,
        mask_selection_rate=masked_lm_prob,
        mask_token_rate=mask_token_rate,
        random_token_rate=random_token_rate,
        whole_word=whole_word_masking,
    )
    first_epoch, skip = builder.locate(start_step * batch_size)
    if num_epochs is None:
        epochs = tf.data.Dataset.counter(first_epoch)
    else:
        epochs = tf.data.Dataset.range(first_epoch, num_epochs)

    def epoch_instances(epoch):
        instances = tf.numpy_function(
            builder.build_epoch, [epoch], tf.int64, stateful=False
        )
        return tf.data.Dataset.from_tensor_slices(
            tf.ensure_shape(instances, [None, 6])
        )

    instances = epochs.flat_map(epoch_instances).skip(skip)
    if num_shards > 1:
        instances = instances.shard(num_shards, shard_index)
    batches = instances.batch(batch_size // num_shards, drop_remainder=True)
    steps = tf.data.Dataset.counter(start_step)

    tokens = tf.constant(corpus.token_ids, tf.int32)
    word_starts = tf.constant(corpus.word_starts, tf.bool)
    base_seed = tf.constant([seed, shard_index], tf.int64)

    def make_batch(instances, step):
        packed = pack_instances(
            instances, tokens, word_starts, max_seq_length, ids
        )
        masked = masker(
            packed["token_ids"],
            packed["padding_mask"],
            packed["word_starts"],
            seed=tf.random.experimental.stateless_fold_in(base_seed, step),
        )
        features = {
            "token_ids": masked["token_ids"],
            "segment_ids": packed["segment_ids"],
            "padding_mask": packed["padding_mask"],
            "mask_positions": masked["mask_positions"],
        }
        labels = {
            "mlm": masked["mask_ids"],
            "nsp": tf.cast(instances[:, 4], tf.int32),
        }
        return features, labels, {"mlm": masked["mask_weights"]}

    return (
        tf.data.Dataset.zip(batches, steps)
        .map(make_batch, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def special_token_ids(vocabulary):
    """Returns `{token: id}` for BERT's five special tokens.

    Args:
        vocabulary: a list of tokens in id order.

    Raises:
        ValueError: naming the special tokens the vocabulary lacks.
    """
    index = {token: i for i, token in enumerate(vocabulary)}
    missing = [token for token in SPECIAL_TOKENS if token not in index]
    if missing:
        raise ValueError(
            f"The vocabulary lacks the special token(s) {missing}; BERT "
            f"pretraining needs all of {list(SPECIAL_TOKENS)}."
        )
    return {token: index[token] for token in SPECIAL_TOKENS}


def pack_instances(instances, tokens, word_starts, max_seq_length, ids):
    """Packs `[CLS] A [SEP] B [SEP]` for a batch of instance rows.

    Dense index arithmetic over `(B, T)` instead of ragged concatenation:
    position j holds A's token j - 1, B's token j - len(A) - 2, or a
    special token.

    Args:
        instances: int64 `(B, 6)` rows from `PairBuilder.build_epoch`.
        tokens, word_starts: the corpus' flat arrays as tensors.
        max_seq_length: T; every instance must fit.
        ids: `{special token: id}`.

    Returns:
        dict of `(B, T)` tensors: int32 `token_ids`, `segment_ids`,
        `padding_mask`, bool `word_starts`.
    """
    instances = tf.cast(instances, tf.int32)
    a_start, a_end = instances[:, 0:1], instances[:, 1:2]
    b_start, b_end = instances[:, 2:3], instances[:, 3:4]
    length_a, length_b = a_end - a_start, b_end - b_start
    j = tf.range(max_seq_length)[None, :]
    in_a = tf.logical_and(j >= 1, j <= length_a)
    b_first = length_a + 2
    in_b = tf.logical_and(j >= b_first, j < b_first + length_b)
    index = tf.where(
        in_a, a_start + j - 1, tf.where(in_b, b_start + j - b_first, 0)
    )
    is_text = tf.logical_or(in_a, in_b)
    token_ids = tf.where(
        is_text,
        tf.gather(tokens, index),
        tf.where(
            j == 0,
            ids["[CLS]"],
            tf.where(
                tf.logical_or(j == length_a + 1, j == b_first + length_b),
                ids["[SEP]"],
                ids["[PAD]"],
            ),
        ),
    )
    padding_mask = j < b_first + length_b + 1
    # A segment cut at its front by truncation starts a word wherever it
    # starts.
    starts = tf.logical_or(
        tf.gather(word_starts, index),
        tf.logical_or(j == 1, j == b_first),
    )
    return {
        "token_ids": token_ids,
        "segment_ids": tf.cast(
            tf.logical_and(j >= b_first, padding_mask), tf.int32
        ),
        "padding_mask": tf.cast(padding_mask, tf.int32),
        "word_starts": tf.logical_or(starts, tf.logical_not(is_text)),
    }


def make_pretraining_dataset_from_files(
    corpus_path, vocabulary_path, batch_size, lowercase=True, cache_dir=None,
    **kwargs,
):
    """`make_pretraining_dataset` from a corpus file and a `vocab.txt`.

    Args:
        corpus_path: a corpus in Google's format (`python -m kbert corpus`
            writes one).
        vocabulary_path: a WordPiece `vocab.txt`.
        batch_size: global batch size.
        lowercase: True for uncased vocabularies.
        cache_dir: keeps the tokenized corpus between runs (see
            `tokenize_corpus_file`).
        **kwargs: any other `make_pretraining_dataset` argument.

    Returns:
        The `tf.data.Dataset`.

    Example:
    >>> dataset = make_pretraining_dataset_from_files(  # doctest: +SKIP
    ...     "corpus.txt", "vocab.txt", batch_size=32, seed=1)
    """
    from kbert.data.tokenized_corpus import tokenize_corpus_file
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(str(vocabulary_path))
    corpus = tokenize_corpus_file(
        corpus_path, vocabulary, lowercase=lowercase, cache_dir=cache_dir
    )
    return make_pretraining_dataset(corpus, vocabulary, batch_size, **kwargs)
