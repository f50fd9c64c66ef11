"""CoreBertTokenizer never needs tensorflow-text, in Python or SavedModel."""

import os
import subprocess
import sys
import textwrap

import tensorflow as tf

from tests.conftest import REPO
from tests.text.conftest import tokenizer_for

# Makes `import tensorflow_text` fail, as on a stock TF Serving install.
BLOCK_TF_TEXT = 'import sys; sys.modules["tensorflow_text"] = None\n'


def run_python(code, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_TF_TEXT + textwrap.dedent(code)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_core_tokenizer_and_its_saved_model_without_tensorflow_text(
    vocab_paths, tmp_path
):
    # Save here (where tensorflow-text may be loaded); import kbert.text,
    # tokenize and load the SavedModel where it can't be: the tokenizer's
    # import path and graph must hold core TensorFlow only.
    tokenizer = tokenizer_for("core", True, vocab_paths)

    class Serving(tf.Module):
        def __init__(self):
            super().__init__()
            self.tokenizer = tokenizer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, texts):
            return tokenizer.tokenize(texts)["token_ids"].to_tensor()

    path = str(tmp_path / "model")
    tf.saved_model.save(Serving(), path)
    out = run_python(
        f"""
        import tensorflow as tf
        from kbert.text import CoreBertTokenizer, pack_segments
        tokenizer = CoreBertTokenizer({vocab_paths[True]!r})
        print(tokenizer.encode("Hello, world!")["ids"])
        model = tf.saved_model.load({path!r})
        print(model(tf.constant(["Hello, world!"])).numpy().tolist())
        assert sys.modules["tensorflow_text"] is None
        """,
        tmp_path,
    )
    assert out.split() == ["[7592,", "1010,", "2088,", "999]"] + [
        "[[7592,", "1010,", "2088,", "999]]"
    ]
