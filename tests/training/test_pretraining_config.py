import argparse
import dataclasses

import pytest

from kbert.cli import main
from kbert.training import pretraining_config
from kbert.training.pretraining_config import PretrainingSettings


def parse(*argv):
    parser = argparse.ArgumentParser()
    pretraining_config.add_arguments(parser)
    return parser.parse_args(argv)


def test_flags_override_file_override_defaults(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        'corpus = "c.txt"\noutput = "out"\nbatch_size = 16\n'
        "steps = 40\nwhole_word_masking = true\n"
    )
    settings = pretraining_config.resolve(
        parse(
            "--config",
            str(config),
            "--batch-size",
            "8",
            "--no-whole-word-masking",
        )
    )
    assert settings.batch_size == 8  # flag beats file
    assert settings.steps == 40  # file beats default
    assert settings.whole_word_masking is False
    assert settings.learning_rate == 1e-4  # default
    assert settings.warmup_steps == 1  # 1% of 40, at least 1


def test_a_run_needs_no_file():
    settings = pretraining_config.resolve(
        parse(
            "--corpus",
            "c.txt",
            "--output",
            "o",
            "--preset",
            "bert_mini",
            "--steps",
            "40",
        )
    )
    assert (settings.preset, settings.steps) == ("bert_mini", 40)
    # What a from-scratch run takes for the settings not given.
    assert (settings.vocab_size, settings.lowercase) == (8000, True)
    assert settings.batch_size == 32 and settings.phase1_max_seq_length == 128


def test_two_phases_split_the_steps():
    settings = pretraining_config.resolve(
        parse("--corpus", "c", "--output", "o", "--steps", "40")
    )
    assert settings.phases() == [(0, 36, 128, 20), (36, 40, 512, 80)]
    one_phase = dataclasses.replace(settings, phase1_fraction=1.0)
    assert one_phase.phases() == [(0, 40, 128, 20)]


def test_settings_are_frozen_and_checked_when_made():
    settings = PretrainingSettings(corpus="c", output="o", steps=500)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.steps = 1
    assert settings.warmup_steps == 5  # 1% of 500
    for name, value in (
        ("steps", 0),
        ("learning_rate", 0.0),
        ("phase1_fraction", 1.5),
        ("strategy", "gpu_cluster"),
        ("mixed_precision", "int8"),
    ):
        with pytest.raises(ValueError, match=f"{name}={value!r}"):
            PretrainingSettings(corpus="c", output="o", **{name: value})
    # Built in Python as from flags: init_from refuses a size.
    with pytest.raises(ValueError, match=r"init_from.*\['hidden_dim'\]"):
        PretrainingSettings(
            corpus="c", output="o", init_from="m.keras", hidden_dim=64
        )


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"Missing setting\(s\) \['corpus'"):
        pretraining_config.resolve(parse("--output", "o"))
    config = tmp_path / "bad.toml"
    config.write_text('corpus = "c"\noutput = "o"\nbatchsize = 3\n')
    with pytest.raises(ValueError, match=r"Unknown setting\(s\) \['batchsize'"):
        pretraining_config.resolve(parse("--config", str(config)))
    with pytest.raises(ValueError, match="Cannot read the config file"):
        pretraining_config.resolve(parse("--config", str(tmp_path / "no")))
    with pytest.raises(ValueError, match="batch_size=0"):
        pretraining_config.resolve(
            parse("--corpus", "c", "--output", "o", "--batch-size", "0")
        )
    with pytest.raises(SystemExit):
        parse("--strategy", "gpu_cluster")  # argparse names the choices
    with pytest.raises(ValueError, match="size=4"):
        pretraining_config.resolve(
            parse("--corpus", "c", "--output", "o", "--vocab-size", "4")
        )
    # With a vocabulary given, no vocabulary is trained: the size is unused.
    pretraining_config.resolve(
        parse(
            "--corpus",
            "c",
            "--output",
            "o",
            "--vocab",
            "v.txt",
            "--vocab-size",
            "4",
        )  # fmt: skip
    )


@pytest.mark.parametrize(
    "flag, value",
    [("--backbone-learning-rate", "0"), ("--learning-rate", "-1e-4")],
)
def test_a_learning_rate_that_is_not_positive_is_named(flag, value):
    name = flag[2:].replace("-", "_")
    with pytest.raises(ValueError, match=f"{name}={float(value)!r}"):
        pretraining_config.resolve(
            parse("--corpus", "c", "--output", "o", f"{flag}={value}")
        )


def test_size_and_dropout_flags_reach_the_new_backbone():
    from kbert.training.pretrain import _new_backbone

    settings = pretraining_config.resolve(
        parse(
            "--corpus",
            "c",
            "--output",
            "o",
            "--preset",
            "bert_tiny",
            "--num-layers",
            "3",
            "--dropout",
            "0.0",
            "--attention-dropout",
            "0.05",
        )
    )
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"]
    config = _new_backbone(settings, vocabulary).get_config()
    assert config["num_layers"] == 3
    assert config["hidden_dim"] == 128  # bert_tiny's, not overridden
    assert config["dropout"] == 0.0
    assert config["attention_dropout"] == 0.05


def test_missing_input_files_are_named_before_any_output(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("One sentence.\n")
    output = tmp_path / "run"
    for name, flag in (
        ("corpus", "--corpus"),
        ("vocab", "--vocab"),
        ("init_from", "--init-from"),
    ):
        missing = str(tmp_path / f"no_{name}")
        argv = ["pretrain", "--corpus", str(corpus), "--output", str(output)]
        argv += [flag, missing]
        with pytest.raises(
            SystemExit, match=f"Missing file: {name}='{missing}' does not"
        ):
            main(argv)
        assert not output.exists()
