"""Test set-up shared by every test file."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
UNCASED_VOCABULARY = SHARED_DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"


def kbert(*args):
    """`python -m kbert ARGS` in a fresh process from the repository root,
    as a user runs it; the completed process (text output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "kbert", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_wikitext_corpus(path, articles, split="valid"):
    """The first `articles` WikiText-2 articles of `split`, written to `path`
    in Google's corpus format; returns `path`."""
    from kbert.data.corpus_file import write_corpus
    from kbert.data.wikitext import read_wikitext

    documents = read_wikitext(
        SHARED_DATA / "wikitext-2" / f"wiki.{split}.tokens.gz"
    )
    write_corpus(list(documents)[:articles], path)
    return path


def tiny_uncased_backbone(max_sequence_length=64):
    """A random bert_tiny `BertBackbone` carrying BERT's uncased vocabulary."""
    from kbert.models import BertBackbone
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(UNCASED_VOCABULARY)
    backbone = BertBackbone.from_preset(
        "bert_tiny",
        vocabulary_size=len(vocabulary),
        max_sequence_length=max_sequence_length,
    )
    backbone.set_vocabulary(vocabulary)
    return backbone


@pytest.fixture(autouse=True)
def _seed_and_reset():
    """Every test starts from the same seed and a float32 policy."""
    import keras

    keras.utils.set_random_seed(1337)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    return SHARED_DATA
