"""`python -m kbert pretrain`, killed with SIGKILL mid-run and restarted,
ends exactly where an uninterrupted run ends."""

import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from tests.conftest import REPO, UNCASED_VOCABULARY, write_wikitext_corpus


@pytest.fixture
def small_corpus(shared_data, tmp_path):
    """The first six WikiText-2 articles in Google's corpus format."""
    return write_wikitext_corpus(tmp_path / "corpus.txt", 6)


def pretrain_command(corpus, vocab, output):
    return [
        sys.executable, "-m", "kbert", "pretrain",
        "--corpus", str(corpus), "--vocab", str(vocab),
        "--preset", "bert_tiny", "--steps", "12", "--batch-size", "4",
        "--phase1-max-seq-length", "32", "--phase1-max-predictions", "5",
        "--phase2-max-seq-length", "64", "--phase2-max-predictions", "10",
        "--phase1-fraction", "0.75", "--checkpoint-every", "3",
        "--learning-rate", "1e-3", "--seed", "7", "--output", str(output),
    ]


def run_to_end(command):
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_killed_run_resumes_and_ends_like_an_uninterrupted_one(
    small_corpus, shared_data, tmp_path
):
    vocab = UNCASED_VOCABULARY
    uninterrupted = tmp_path / "uninterrupted"
    run_to_end(pretrain_command(small_corpus, vocab, uninterrupted))

    resumed = tmp_path / "resumed"
    # The run kills itself (SIGKILL) right after writing step 6's
    # checkpoint: the crash happens at a step the test chooses.
    command = pretrain_command(small_corpus, vocab, resumed)
    killed = subprocess.run(
        [sys.executable, "-m", "tests.training.killed_pretrain_worker", "6",
         *command[4:]],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    written = sorted(p.name for p in (resumed / "checkpoints").iterdir())
    assert written == ["step-00000003", "step-00000006"]
    assert not (resumed / "metrics.json").exists()

    result = run_to_end(command)
    assert "Resuming from" in result.stdout
    assert "(step 6)" in result.stdout

    expected = json.loads((uninterrupted / "metrics.json").read_text())
    actual = json.loads((resumed / "metrics.json").read_text())
    assert actual["step"] == expected["step"] == 12
    assert actual["eval_loss"] == pytest.approx(expected["eval_loss"],
                                                abs=1e-5)
    import kbert.models  # noqa: F401

    weights = [
        keras.saving.load_model(folder / "backbone.keras").get_weights()
        for folder in (uninterrupted, resumed)
    ]
    difference = max(np.abs(a - b).max() for a, b in zip(*weights))
    assert difference < 1e-5
    # Training went on after the resume: step 12 differs from step 9.
    step_9 = keras.saving.load_model(
        resumed / "checkpoints" / "step-00000009" / "model.keras"
    ).backbone.get_weights()
    moved = max(np.abs(a - b).max() for a, b in zip(step_9, weights[1]))
    assert moved > 1e-4
