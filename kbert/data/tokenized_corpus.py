"""A corpus tokenized once and kept as flat arrays, the input of pair
building."""

import hashlib
from pathlib import Path

import numpy as np

from kbert.data.atomic_file import atomic_write
from kbert.data.corpus_file import count_lines, iter_corpus
from kbert.progress import Progress


class TokenizedCorpus:
    """Documents of sentences of WordPiece ids, stored flat.

    Sentences and documents are contiguous runs of `token_ids`, so a segment
    of whole sentences is a `[start, end)` range of token offsets; pair
    building then needs no copies. `word_starts` marks the first piece of
    every word (whole-word masking keeps a word's pieces together).

    Empty sentences and empty documents are dropped when building from
    lists, so every kept document has at least one sentence of at least one
    token.

    Args:
        token_ids: int32 `(num_tokens,)`, all sentences back to back.
        word_starts: bool `(num_tokens,)`, True where a word begins.
        sentence_lengths: int `(num_sentences,)`, tokens per sentence, > 0.
        document_lengths: int `(num_documents,)`, sentences per document,
            > 0.

    Example:
    >>> corpus = TokenizedCorpus.from_token_lists(
    ...     [[[5, 6], [7]], [[8, 9, 10]]],
    ...     word_ids=[[[0, 0], [0]], [[0, 1, 2]]])
    >>> corpus.num_documents, corpus.num_sentences, corpus.num_tokens
    (2, 3, 6)
    """

    def __init__(
        self, token_ids, word_starts, sentence_lengths, document_lengths
    ):
        self.token_ids = np.asarray(token_ids, dtype=np.int32)
        self.word_starts = np.asarray(word_starts, dtype=bool)
        self.sentence_lengths = np.asarray(sentence_lengths, dtype=np.int64)
        self.document_lengths = np.asarray(document_lengths, dtype=np.int64)
        if self.word_starts.shape != self.token_ids.shape:
            raise ValueError(
                "`word_starts` must have one entry per token. Received: "
                f"{self.word_starts.shape} for {self.token_ids.shape} tokens."
            )
        if self.sentence_lengths.sum() != len(self.token_ids):
            raise ValueError(
                "`sentence_lengths` must add up to the number of tokens. "
                f"Received: sum {self.sentence_lengths.sum()} for "
                f"{len(self.token_ids)} tokens."
            )
        if self.document_lengths.sum() != len(self.sentence_lengths):
            raise ValueError(
                "`document_lengths` must add up to the number of sentences. "
                f"Received: sum {self.document_lengths.sum()} for "
                f"{len(self.sentence_lengths)} sentences."
            )
        if (self.sentence_lengths <= 0).any() or (
            self.document_lengths <= 0
        ).any():
            raise ValueError(
                "Empty sentences and documents are not allowed in a "
                "`TokenizedCorpus` (build it with `from_token_lists`, which "
                "drops them)."
            )
        # Token offset of each sentence start (and one past the end).
        self.sentence_starts = np.concatenate(
            [[0], np.cumsum(self.sentence_lengths)]
        )
        # Sentence index of each document start (and one past the end).
        self.document_starts = np.concatenate(
            [[0], np.cumsum(self.document_lengths)]
        )

    @property
    def num_tokens(self):
        return len(self.token_ids)

    @property
    def num_sentences(self):
        return len(self.sentence_lengths)

    @property
    def num_documents(self):
        return len(self.document_lengths)

    def document_token_range(self, index):
        """Returns `(start, end)` token offsets of document `index`."""
        first = self.document_starts[index]
        last = self.document_starts[index + 1]
        return int(self.sentence_starts[first]), int(self.sentence_starts[last])

    def document_of_token(self, offsets):
        """Returns the document index of each token offset (numpy array)."""
        document_token_starts = self.sentence_starts[self.document_starts]
        return np.searchsorted(document_token_starts, offsets, "right") - 1

    def select(self, documents):
        """Returns a corpus of the given documents only (e.g. a held-out
        split).

        Args:
            documents: document indices, in the order wanted.

        Returns:
            A new `TokenizedCorpus`.
        """
        documents = np.asarray(documents, dtype=np.int64)
        if documents.size and (
            documents.min() < 0 or documents.max() >= self.num_documents
        ):
            raise ValueError(
                "Document indices must lie in [0, "
                f"{self.num_documents}). Received: {documents.tolist()}"
            )
        sentences = np.concatenate(
            [np.arange(self.document_starts[d], self.document_starts[d + 1])
             for d in documents] or [np.zeros(0, np.int64)]
        )
        tokens = np.concatenate(
            [np.arange(self.sentence_starts[s], self.sentence_starts[s + 1])
             for s in sentences] or [np.zeros(0, np.int64)]
        )
        return TokenizedCorpus(
            self.token_ids[tokens],
            self.word_starts[tokens],
            self.sentence_lengths[sentences],
            self.document_lengths[documents],
        )

    @classmethod
    def from_token_lists(cls, token_ids, word_ids=None):
        """Builds a corpus from nested lists.

        Args:
            token_ids: documents -> sentences -> WordPiece ids.
            word_ids: the same nesting with each token's word index in its
                sentence (pieces of one word share it); None makes every
                token its own word.

        Returns:
            A `TokenizedCorpus` without empty sentences or documents.
        """
        flat_ids, flat_starts, sentence_lengths, document_lengths = (
            [], [], [], []
        )
        for d, document in enumerate(token_ids):
            kept = 0
            for s, sentence in enumerate(document):
                if len(sentence) == 0:
                    continue
                words = None if word_ids is None else word_ids[d][s]
                if words is not None and len(words) != len(sentence):
                    raise ValueError(
                        "`word_ids` must match `token_ids` in shape. "
                        f"Received: {len(words)} word ids for "
                        f"{len(sentence)} tokens (document {d}, sentence "
                        f"{s})."
                    )
                flat_ids.extend(sentence)
                flat_starts.extend(_word_starts(words, len(sentence)))
                sentence_lengths.append(len(sentence))
                kept += 1
            if kept:
                document_lengths.append(kept)
        return cls(flat_ids, flat_starts, sentence_lengths, document_lengths)

    @classmethod
    def from_documents(cls, documents, tokenizer, batch_size=4096):
        """Tokenizes documents of sentence strings.

        The documents may be a generator: they are consumed in batches of
        sentences and only the flat id arrays are kept, so a corpus of
        tens of millions of words needs about 5 bytes a token (int32 ids
        and one flag).

        Args:
            documents: an iterable of documents, each a list of sentences
                (for example `read_corpus` or `iter_corpus`).
            tokenizer: a `kbert.text.BertTokenizer`.
            batch_size: sentences per tokenizer call.

        Returns:
            A `TokenizedCorpus`; sentences that tokenize to nothing and
            documents left empty are dropped.
        """
        ids, starts, sentence_lengths = [], [], []
        pending = []  # sentences not yet tokenized
        owners = []  # the document (index) of each pending sentence
        counts = []  # kept sentences per document, filled as batches run

        def flush():
            out = tokenizer.tokenize(pending)
            lengths = out["token_ids"].row_lengths().numpy()
            batch_ids = out["token_ids"].flat_values.numpy().astype(np.int32)
            word_ids = out["word_ids"].flat_values.numpy()
            batch_starts = np.ones(len(batch_ids), dtype=bool)
            batch_starts[1:] = word_ids[1:] != word_ids[:-1]
            first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            batch_starts[first[lengths > 0]] = True
            ids.append(batch_ids)
            starts.append(batch_starts)
            sentence_lengths.append(lengths[lengths > 0])
            for owner in np.asarray(owners)[lengths > 0]:
                counts[owner] += 1
            pending.clear()
            owners.clear()

        for document in documents:
            counts.append(0)
            for sentence in document:
                pending.append(sentence)
                owners.append(len(counts) - 1)
                if len(pending) == batch_size:
                    flush()
        if pending:
            flush()
        if not ids:
            return cls.from_token_lists([])
        counts = np.asarray(counts, dtype=np.int64)
        return cls(
            np.concatenate(ids),
            np.concatenate(starts),
            np.concatenate(sentence_lengths),
            counts[counts > 0],
        )

    def save(self, path):
        """Writes the arrays to an `.npz` file (a tokenization cache).

        Atomically: the file appears whole or not at all, so a killed run
        or a second worker never reads half a cache.
        """
        with atomic_write(path, "wb") as file:
            np.savez(
                file,
                token_ids=self.token_ids,
                word_starts=self.word_starts,
                sentence_lengths=self.sentence_lengths,
                document_lengths=self.document_lengths,
            )

    @classmethod
    def load(cls, path):
        """Reads a corpus written by `save`."""
        with np.load(path) as arrays:
            return cls(
                arrays["token_ids"],
                arrays["word_starts"],
                arrays["sentence_lengths"],
                arrays["document_lengths"],
            )


def _word_starts(word_ids, length):
    if word_ids is None:
        return [True] * length
    return [i == 0 or word_ids[i] != word_ids[i - 1] for i in range(length)]


def tokenize_corpus_file(
    corpus_path, vocabulary, lowercase=True, cache_dir=None, tokenizer=None
):
    """Reads a corpus in Google's format and tokenizes it, with a cache.

    Args:
        corpus_path: the corpus file.
        vocabulary: the token list (`kbert.text.load_vocabulary`).
        lowercase: True for uncased vocabularies.
        cache_dir: where to keep `.npz` caches; the name carries a hash of
            the corpus file's path, size and time, the vocabulary and the
            casing, so a changed input never reads a stale cache. On a hit
            no tokenizer is built at all. None disables caching.
        tokenizer: a `kbert.text.BertTokenizer` for this vocabulary and
            casing, if one is at hand (else one is built on a miss).

    Returns:
        A `TokenizedCorpus`. The file is streamed (never held whole) and a
        progress line goes to stderr while it is tokenized.

    Example:
    >>> corpus = tokenize_corpus_file(  # doctest: +SKIP
    ...     "corpus.txt", load_vocabulary("vocab.txt"), cache_dir=".cache")
    """
    corpus_path = Path(corpus_path)
    if not corpus_path.is_file():
        raise FileNotFoundError(f"No such corpus file: {str(corpus_path)!r}")
    cache = None
    if cache_dir is not None:
        stat = corpus_path.stat()
        key = hashlib.sha256(
            "\n".join(
                [
                    str(corpus_path.resolve()),
                    str(stat.st_size),
                    str(stat.st_mtime_ns),
                    str(bool(lowercase)),
                    *vocabulary,
                ]
            ).encode("utf-8")
        ).hexdigest()[:16]
        cache = Path(cache_dir) / f"{corpus_path.stem}-{key}.npz"
        if cache.is_file():
            return TokenizedCorpus.load(cache)
    if tokenizer is None:
        from kbert.text import BertTokenizer

        tokenizer = BertTokenizer(list(vocabulary), lowercase=lowercase)
    progress = Progress(
        f"tokenizing {corpus_path.name}, lines", total=count_lines(corpus_path)
    )
    corpus = TokenizedCorpus.from_documents(
        iter_corpus(corpus_path, progress), tokenizer
    )
    progress.close()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        corpus.save(cache)
    return corpus
