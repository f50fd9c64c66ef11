"""`finetune --checkpoint-every N`: a crashed fine-tuning run, started
again, resumes from its newest checkpoint and ends where an uninterrupted
run ends."""

import shutil

import numpy as np

from kbert.cli import main
from kbert.saving import load_model
from tests.finetune.test_runners import read_metrics, tiny_model  # noqa: F401


def finetune(model, output, *extra):
    argv = ["finetune", "glue", "--task", "sst2", "--model", model]
    argv += ["--output", str(output), "--sequence-length", "32"]
    argv += ["--max-train-examples", "24", "--max-eval-examples", "8"]
    argv += ["--batch-size", "8", "--epochs", "2", "--verbose", "0"]
    argv += ["--learning-rate", "1e-2", *extra]
    assert main(argv) == 0


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(
    tiny_model,  # noqa: F811
    tmp_path,
    capsys,
):
    # 24 examples in batches of 8: 3 steps a pass, 6 in all.
    uninterrupted = tmp_path / "uninterrupted"
    finetune(tiny_model, uninterrupted)
    resumed = tmp_path / "resumed"
    finetune(tiny_model, resumed, "--checkpoint-every", "2")
    checkpoints = resumed / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "step-00000004",
        "step-00000006",
    ]
    losses = read_metrics(uninterrupted)["train_losses"]
    assert len(losses) == 2
    assert read_metrics(resumed)["train_losses"] == losses

    # A crash after step 4, in the second pass: the same command again
    # resumes there and ends on the uninterrupted run's weights.
    shutil.rmtree(checkpoints / "step-00000006")
    (resumed / "model.keras").unlink()
    capsys.readouterr()
    finetune(tiny_model, resumed, "--checkpoint-every", "2")
    assert "step-00000004 (step 4)" in capsys.readouterr().out
    expected = load_model(str(uninterrupted / "model.keras")).get_weights()
    actual = load_model(str(resumed / "model.keras")).get_weights()
    for got, want in zip(actual, expected):
        np.testing.assert_allclose(got, want, atol=1e-6)
    # Only the steps run after the resume count: steps 5 and 6, the
    # second pass's last two.
    (second,) = read_metrics(resumed)["train_losses"]
    assert second != losses[1]


def test_a_run_killed_while_evaluating_resumes_after_its_last_step(
    tiny_model,  # noqa: F811
    tmp_path,
    capsys,
):
    # 6 steps, a checkpoint every 4: step 4, then the last step's.
    output = tmp_path / "run"
    finetune(tiny_model, output, "--checkpoint-every", "4")
    checkpoints = output / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "step-00000004",
        "step-00000006",
    ]
    trained = load_model(str(output / "model.keras")).get_weights()
    # Killed after training, before the model was saved: the same
    # command evaluates the trained weights without training again.
    (output / "model.keras").unlink()
    capsys.readouterr()
    finetune(tiny_model, output, "--checkpoint-every", "4")
    assert "step-00000006 (step 6)" in capsys.readouterr().out
    assert read_metrics(output)["train_losses"] == []
    again = load_model(str(output / "model.keras")).get_weights()
    for got, want in zip(again, trained):
        np.testing.assert_array_equal(got, want)
