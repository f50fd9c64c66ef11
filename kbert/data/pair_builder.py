"""Next-sentence-prediction pairs of whole-sentence segments, per epoch."""

import random

import numpy as np

from kbert.validation import check_int, check_probability

# Columns of the instance arrays `PairBuilder.build_epoch` returns.
A_START, A_END, B_START, B_END, IS_RANDOM_NEXT, TARGET_LENGTH = range(6)


class PairBuilder:
    """Cuts a `TokenizedCorpus` into `[CLS] A [SEP] B [SEP]` instances.

    As in BERT's `create_pretraining_data.py`: each document is read
    sentence by sentence into a chunk until the chunk reaches a target
    length (the full `max_seq_length - 3` tokens, or with probability
    `short_seq_prob` a uniform length in `[2, max_seq_length - 3]`, drawn
    afresh for every instance). A is the chunk's first 1..n-1 sentences.
    With probability `random_next_prob` B is a run of sentences from a
    random *other* document (and the chunk's unused sentences go back to
    the document); otherwise B is the rest of the chunk, or for a
    one-sentence chunk the sentences that follow it. Then the longer of A
    and B loses a token (from its front or back, at random) until the pair
    fits, so segments are whole sentences except where truncated.

    Unlike the original, the target is drawn per instance (not per
    document), a one-sentence chunk still gets its true next segment, and
    B's document is never A's, so labels are 50/50 and short sequences
    about 10% however long the documents are.

    Instances are token ranges into the corpus, shuffled per epoch; the
    same `(seed, epoch)` always gives the same array.

    Args:
        corpus: a `TokenizedCorpus` with at least 2 documents.
        max_seq_length: the packed length, including `[CLS]` and 2 `[SEP]`.
        short_seq_prob: probability of a shorter target length.
        random_next_prob: probability that B is from another document.
        seed: an int.

    Example:
    >>> builder = PairBuilder(corpus, max_seq_length=128)  # doctest: +SKIP
    >>> instances = builder.build_epoch(0)  # doctest: +SKIP
    >>> instances.shape  # doctest: +SKIP
    (36950, 6)
    """

    def __init__(
        self,
        corpus,
        max_seq_length=128,
        short_seq_prob=0.1,
        random_next_prob=0.5,
        seed=0,
    ):
        if corpus.num_documents < 2:
            raise ValueError(
                "Next-sentence prediction needs at least 2 non-empty "
                "documents (B must come from a different document). "
                f"Received: a corpus with {corpus.num_documents} document(s)."
                " Separate documents with a blank line."
            )
        check_int(
            "max_seq_length",
            max_seq_length,
            5,
            reason=" ([CLS] A [SEP] B [SEP] with A and B of at least one "
            "token)",
        )
        check_probability("short_seq_prob", short_seq_prob)
        check_probability("random_next_prob", random_next_prob)
        self.corpus = corpus
        self.max_seq_length = max_seq_length
        self.short_seq_prob = short_seq_prob
        self.random_next_prob = random_next_prob
        self.seed = seed
        # Plain lists: the builder is a Python loop and list indexing is
        # several times faster there than numpy scalar indexing.
        self._sentence_starts = corpus.sentence_starts.tolist()
        self._document_starts = corpus.document_starts.tolist()
        self._epoch_sizes = {}

    def build_epoch(self, epoch):
        """Returns the shuffled instances of one epoch.

        Args:
            epoch: a non-negative int (numpy ints are accepted, so this can
                run under `tf.numpy_function`).

        Returns:
            int64 `(num_instances, 6)`, columns `A_START, A_END, B_START,
            B_END` (token offsets into the corpus), `IS_RANDOM_NEXT` (0/1)
            and `TARGET_LENGTH` (the drawn target, for inspection).
        """
        epoch = int(epoch)
        state = np.random.SeedSequence([self.seed, epoch]).generate_state(2)
        rng = random.Random(int(state[0]))
        rows = []
        for document in range(self.corpus.num_documents):
            self._document_instances(document, rng, rows)
        instances = np.asarray(rows, dtype=np.int64).reshape(-1, 6)
        order = np.random.default_rng(int(state[1])).permutation(
            len(instances)
        )
        self._epoch_sizes[epoch] = len(instances)
        return instances[order]

    def epoch_size(self, epoch):
        """Returns the number of instances in `epoch` (building it once)."""
        if epoch not in self._epoch_sizes:
            self.build_epoch(epoch)
        return self._epoch_sizes[epoch]

    def locate(self, instance_index):
        """Maps a position in the endless stream of epochs to
        `(epoch, index within that epoch)`; resuming uses it."""
        epoch = 0
        while instance_index >= self.epoch_size(epoch):
            instance_index -= self.epoch_size(epoch)
            epoch += 1
        return epoch, instance_index

    def _target_length(self, rng):
        max_tokens = self.max_seq_length - 3
        if rng.random() < self.short_seq_prob:
            return rng.randint(2, max_tokens)
        return max_tokens

    def _document_instances(self, document, rng, rows):
        starts = self._sentence_starts
        first = self._document_starts[document]
        end = self._document_starts[document + 1]
        target = self._target_length(rng)
        chunk_start = i = first
        while i < end:
            chunk_length = starts[i + 1] - starts[chunk_start]
            if i + 1 < end and chunk_length < target:
                i += 1
                continue
            # The chunk is sentences [chunk_start, i].
            num_sentences = i - chunk_start + 1
            a_sentences = 1
            if num_sentences >= 2:
                a_sentences = rng.randint(1, num_sentences - 1)
            a_start = starts[chunk_start]
            a_end = starts[chunk_start + a_sentences]
            is_random_next = rng.random() < self.random_next_prob
            if not is_random_next:
                if num_sentences >= 2:
                    b_start, b_end = a_end, starts[i + 1]
                elif i + 1 < end:
                    # The true next segment of a one-sentence chunk is the
                    # sentences after it.
                    b_start = starts[i + 1]
                    i = self._take_sentences(
                        i + 1, end, target - (a_end - a_start)
                    )
                    b_end = starts[i + 1]
                else:
                    is_random_next = True  # the document's last sentence
            if is_random_next:
                b_start, b_end = self._random_segment(
                    document, target - (a_end - a_start), rng
                )
                # Sentences of the chunk not used as A are read again.
                i = chunk_start + a_sentences - 1
            a_start, a_end, b_start, b_end = self._truncate(
                a_start, a_end, b_start, b_end, rng
            )
            rows.append(
                (a_start, a_end, b_start, b_end, int(is_random_next), target)
            )
            chunk_start = i = i + 1
            target = self._target_length(rng)

    def _take_sentences(self, first, end, length):
        """Index of the last sentence of the run from `first` (at most up
        to `end`) whose tokens reach `length`; at least one sentence."""
        starts = self._sentence_starts
        last = first
        while last + 1 < end and starts[last + 1] - starts[first] < length:
            last += 1
        return last

    def _random_segment(self, document, length, rng):
        other = rng.randrange(self.corpus.num_documents - 1)
        if other >= document:
            other += 1
        first = self._document_starts[other]
        end = self._document_starts[other + 1]
        start = rng.randrange(first, end)
        last = self._take_sentences(start, end, length)
        return self._sentence_starts[start], self._sentence_starts[last + 1]

    def _truncate(self, a_start, a_end, b_start, b_end, rng):
        """Longest-first truncation to `max_seq_length - 3` tokens.

        Equivalent to removing one token at a time from the longer segment
        (B on ties), each from the front or the back by a fair coin.
        """
        length_a, length_b = a_end - a_start, b_end - b_start
        excess = length_a + length_b - (self.max_seq_length - 3)
        if excess <= 0:
            return a_start, a_end, b_start, b_end
        gap = abs(length_a - length_b)
        from_longer = min(excess, gap)
        rest = excess - from_longer
        cut_a = rest // 2 + (from_longer if length_a > length_b else 0)
        cut_b = rest - rest // 2 + (0 if length_a > length_b else from_longer)
        front_a = _fair_coins(cut_a, rng)
        front_b = _fair_coins(cut_b, rng)
        return (
            a_start + front_a,
            a_end - (cut_a - front_a),
            b_start + front_b,
            b_end - (cut_b - front_b),
        )


def _fair_coins(count, rng):
    """Number of heads in `count` fair coin flips."""
    return bin(rng.getrandbits(count)).count("1") if count else 0
