"""`pretrain --init-from`: pretraining that starts from a saved backbone."""

import argparse

import numpy as np
import pytest

from kbert.training import pretraining_config


def settings_from(*flags):
    parser = argparse.ArgumentParser()
    pretraining_config.add_arguments(parser)
    return pretraining_config.resolve(parser.parse_args(list(flags)))


def run_flags(corpus, start, output, *extra):
    return (
        "--corpus", str(corpus), "--init-from", str(start),
        "--output", str(output), "--batch-size", "4",
        "--phase1-max-seq-length", "32", "--phase1-max-predictions", "5",
        "--phase1-fraction", "1.0", "--seed", "3", *extra,
    )


def run_at_a_negligible_rate(corpus, start, output):
    """Two steps at 1e-30. The schedule refuses 0; AdamW moves no weight by
    more than the learning rate (plus its decay share), so 1e-30 changes
    none by more than 1e-29."""
    from kbert.training.pretrain import pretrain

    pretrain(
        settings_from(*run_flags(
            corpus, start, output, "--steps", "2",
            "--learning-rate", "1e-30", "--warmup-steps", "1",
        )),
        verbose=0,
    )


def test_a_run_at_a_negligible_learning_rate_keeps_the_starting_weights(
    tiny_corpus, saved_backbone, tmp_path
):
    from kbert.saving import load_model

    path, start = saved_backbone
    output = tmp_path / "run"
    run_at_a_negligible_rate(tiny_corpus, path, output)

    backbone = load_model(str(output / "backbone.keras"))
    assert backbone.vocabulary == start.vocabulary
    assert backbone.lowercase is True
    assert backbone.get_config()["hidden_dim"] == 128
    assert backbone.max_sequence_length == 64
    for got, want in zip(backbone.get_weights(), start.get_weights()):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-28)
    # The heads are new: the MLM head's output is tied to the started
    # embedding matrix.
    pretrainer = load_model(str(output / "pretrainer.keras"))
    np.testing.assert_allclose(
        pretrainer.mlm_head.token_embedding.embeddings.numpy(),
        start.token_embedding.embeddings.numpy(),
        rtol=0,
        atol=1e-28,
    )


def test_a_pretrainer_starts_the_run_with_its_own_heads(
    tiny_corpus, saved_backbone, tmp_path, capsys
):
    from kbert.models import BertPretrainer
    from kbert.saving import load_model

    _, backbone = saved_backbone
    start = BertPretrainer(backbone)
    # Head weights no fresh initialisation gives (the bias starts at 0,
    # the NSP kernel near it).
    start.mlm_head.output_bias.assign(np.linspace(-1, 1, 30522))
    kernel = start.nsp_head.weights[0]
    kernel.assign(np.full(kernel.shape, 0.25))
    path = tmp_path / "pretrainer.keras"
    start.save(path)
    output = tmp_path / "run"
    run_at_a_negligible_rate(tiny_corpus, path, output)
    assert "(its MLM and NSP heads)" in capsys.readouterr().out
    pretrainer = load_model(str(output / "pretrainer.keras"))
    np.testing.assert_allclose(
        pretrainer.mlm_head.output_bias.numpy(),
        np.linspace(-1, 1, 30522),
        rtol=0,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        pretrainer.nsp_head.weights[0].numpy(), 0.25, rtol=0, atol=1e-6
    )
    for got, want in zip(
        pretrainer.backbone.get_weights(), backbone.get_weights()
    ):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-28)


def test_the_backbone_can_train_slower_than_the_heads(
    tiny_corpus, saved_backbone, tmp_path
):
    from kbert.models import BertPretrainer
    from kbert.saving import load_model
    from kbert.training.pretrain import _backbone_multipliers, pretrain

    _, backbone = saved_backbone
    start = BertPretrainer(backbone)
    kernel = start.nsp_head.weights[0]
    kernel.assign(np.full(kernel.shape, 0.25))
    path = tmp_path / "pretrainer.keras"
    start.save(path)
    output = tmp_path / "run"
    settings = settings_from(*run_flags(
        tiny_corpus, path, output, "--steps", "2", "--warmup-steps", "1",
        "--learning-rate", "1e-2", "--backbone-learning-rate", "1e-30",
    ))
    # The factor reaches every backbone variable and no head variable.
    factors = _backbone_multipliers(start, settings)
    heads = {
        v.path for v in start.trainable_variables
    } - {v.path for v in start.backbone.trainable_variables}
    assert heads and not heads & set(factors)
    assert set(factors.values()) == {1e-30 / 1e-2}
    assert len(factors) == len(start.backbone.trainable_variables)

    pretrain(settings, verbose=0)
    pretrainer = load_model(str(output / "pretrainer.keras"))
    # The backbone (the MLM output's tied embedding too) stays put; the
    # heads move at 1e-2.
    for got, want in zip(
        pretrainer.backbone.get_weights(), backbone.get_weights()
    ):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-28)
    moved = np.abs(pretrainer.nsp_head.weights[0].numpy() - 0.25).max()
    assert 1e-3 < moved < 0.05
    assert np.abs(pretrainer.mlm_head.output_bias.numpy()).max() > 1e-3


def test_a_trained_run_moves_away_from_the_start_and_resumes(
    tiny_corpus, saved_backbone, tmp_path, capsys
):
    import shutil

    from kbert.saving import load_model
    from kbert.training.pretrain import pretrain

    path, start = saved_backbone
    output = tmp_path / "run"
    settings = settings_from(*run_flags(
        tiny_corpus, path, output, "--steps", "3", "--checkpoint-every", "1",
        "--learning-rate", "1e-2", "--warmup-steps", "1",
    ))
    pretrain(settings, verbose=0)
    backbone = load_model(str(output / "backbone.keras"))
    moved = [
        np.abs(got - want).max()
        for got, want in zip(backbone.get_weights(), start.get_weights())
    ]
    # Three AdamW steps at 1e-2 move weights by about 3e-2, yet stay near
    # the start (a fresh initialisation differs by about 0.1).
    assert 1e-3 < max(moved) < 0.05

    # A crash after step 2: the same run again resumes from that checkpoint
    # (the backbone is rebuilt from init_from, then overwritten) and ends
    # where the uninterrupted run ended.
    shutil.rmtree(output / "checkpoints" / "step-00000003")
    for name in ("backbone.keras", "pretrainer.keras", "metrics.json"):
        (output / name).unlink()
    capsys.readouterr()
    pretrain(settings, verbose=0)
    assert "step-00000002 (step 2)" in capsys.readouterr().out
    resumed = load_model(str(output / "backbone.keras"))
    for got, want in zip(resumed.get_weights(), backbone.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--vocab", "vocab.txt"),
        ("--preset", "bert_mini"),
        ("--num-layers", "4"),
        ("--hidden-dim", "256"),
        ("--attention-dropout", "0.0"),
        ("--no-lowercase", None),
    ],
)
def test_init_from_refuses_settings_the_model_file_decides(flag, value):
    extra = [flag] if value is None else [flag, value]
    name = flag.removeprefix("--no-").removeprefix("--").replace("-", "_")
    with pytest.raises(ValueError, match=f"init_from.*'{name}'"):
        settings_from(
            "--corpus", "c.txt", "--output", "o", "--init-from", "m.keras",
            *extra,
        )


def test_init_from_refuses_a_setting_from_the_config_file(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('preset = "bert_small"\n')
    with pytest.raises(ValueError, match="'preset'.*preset='bert_small'"):
        settings_from(
            "--config", str(config), "--corpus", "c.txt", "--output", "o",
            "--init-from", "m.keras",
        )


def test_a_sequence_longer_than_the_backbone_is_refused(
    tiny_corpus, saved_backbone, tmp_path
):
    from kbert.training.pretrain import pretrain

    path, _ = saved_backbone
    settings = settings_from(
        "--corpus", str(tiny_corpus), "--init-from", str(path),
        "--output", str(tmp_path / "run"), "--steps", "4",
        "--phase1-fraction", "0.5",
        "--phase1-max-seq-length", "32", "--phase2-max-seq-length", "128",
    )
    with pytest.raises(ValueError, match="128 exceeds.*max_sequence_length=64"):
        pretrain(settings, verbose=0)
