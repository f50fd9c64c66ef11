"""Fine-tuning and evaluation settings: flags, a TOML file, checks."""

import argparse
import dataclasses

import pytest

from kbert.cli import main
from kbert.commands import evaluate, finetune
from kbert.training.finetuning import (
    GlueEvaluationSettings,
    GlueSettings,
    NerSettings,
    SquadEvaluationSettings,
    SquadSettings,
)


@pytest.fixture(autouse=True)
def _no_data_dir_variable(monkeypatch):
    # The data folder default comes from $KBERT_DATA_DIR when it is set.
    monkeypatch.delenv("KBERT_DATA_DIR", raising=False)


def settings_of(command, *argv):
    """The settings `python -m kbert COMMAND ARGV...` would run with."""
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    return finetune.task_settings(args, evaluation=command is evaluate)


def write_toml(folder, text):
    path = folder / "run.toml"
    path.write_text(text)
    return str(path)


def test_squad_settings_from_flags_are_the_defaults_and_the_flags_given():
    settings = settings_of(
        finetune, "squad", "--model", "qa.keras", "--output", "runs/qa",
        "--batch-size", "8", "--learning-rate", "1e-4",
        "--train-articles", "0:2",
    )  # fmt: skip
    # Every setting, written out: the defaults are the documented recipe.
    assert dataclasses.asdict(settings) == {
        "data_dir": "../shared/data",
        "eval_batch_size": 64,
        "max_eval_examples": None,
        "sequence_length": 384,
        "output": "runs/qa",
        "model": "qa.keras",
        "preset": None,
        "vocabulary": None,
        "epochs": 2,
        "batch_size": 8,
        "learning_rate": 1e-4,
        "warmup_proportion": 0.1,
        "layer_decay": None,
        "max_train_examples": None,
        "seed": 0,
        "checkpoint_every": None,
        "verbose": 2,
        "version": "1.1",
        "dataset": None,
        "doc_stride": 128,
        "max_query_length": 64,
        "n_best_size": 20,
        "max_answer_length": 30,
        "threshold_articles": "0:17",
        "eval_articles": ":",  # the whole official dev set
        "train_file": None,  # the bundled v1.1 training set
        "train_articles": "0:2",
        "train_answers": "all",
        "unanswerable_fraction": 0.0,
    }
    assert isinstance(settings, SquadSettings)


def test_each_task_keeps_its_own_defaults():
    glue = settings_of(
        finetune, "glue", "--task", "sst2", "--model", "m", "--output", "o"
    )
    assert (glue.epochs, glue.batch_size) == (3, 32)
    assert (glue.learning_rate, glue.sequence_length) == (2e-5, 128)
    ner = settings_of(finetune, "ner", "--model", "m", "--output", "o")
    assert (ner.epochs, ner.learning_rate, ner.scheme) == (3, 5e-5, "iob2")
    assert ner.sequence_length == 128
    squad = settings_of(evaluate, "squad", "--model", "m")
    assert (squad.sequence_length, squad.eval_articles) == (384, ":")
    assert str(squad.dataset_path).endswith("squad_v1.1/dev-v1.1.json.gz")
    squad2 = settings_of(evaluate, "squad", "--version", "2", "--model", "m")
    assert squad2.eval_articles == "17:"
    assert str(squad2.dataset_path).endswith("dev-v2.0.reconstructed.json.gz")
    train2 = settings_of(
        finetune, "squad", "--version", "2", "--model", "m", "--output", "o"
    )
    assert train2.unanswerable_fraction == 0.25
    assert str(train2.train_path).endswith("train-v1.1.reconstructed.json.gz")
    assert settings_of(evaluate, "glue", "--task", "rte", "--model", "m") == (
        GlueEvaluationSettings(task="rte", model="m", sequence_length=128)
    )


def test_the_data_folder_defaults_to_the_environment_variable(monkeypatch):
    monkeypatch.setenv("KBERT_DATA_DIR", "/data/here")
    settings = settings_of(finetune, "ner", "--model", "m", "--output", "o")
    assert settings.data_dir == "/data/here"
    assert str(settings.train_path) == "/data/here/conll2003/train.txt.gz"
    settings = settings_of(evaluate, "ner", "--model", "m", "--data-dir", "d")
    assert str(settings.eval_path) == "d/conll2003/test.txt"


def test_settings_from_a_toml_file(tmp_path):
    config = write_toml(
        tmp_path,
        'task = "stsb"\nmodel = "b.keras"\noutput = "runs/stsb"\n'
        "epochs = 4\nlayer_decay = 0.8\nmax_train_examples = 100\n",
    )
    settings = settings_of(finetune, "glue", "--config", config)
    assert settings == GlueSettings(
        task="stsb",
        model="b.keras",
        output="runs/stsb",
        epochs=4,
        layer_decay=0.8,
        max_train_examples=100,
    )
    assert (settings.batch_size, settings.learning_rate) == (32, 2e-5)


def test_flags_override_the_file_and_the_file_overrides_defaults(tmp_path):
    config = write_toml(
        tmp_path,
        'model = "b.keras"\noutput = "from-file"\nbatch_size = 16\n'
        'epochs = 5\nscheme = "iob1"\n',
    )
    settings = settings_of(
        finetune, "ner", "--config", config, "--batch-size", "8",
        "--output", "from-flag",
    )  # fmt: skip
    assert settings == NerSettings(
        model="b.keras",
        output="from-flag",  # flag beats file
        batch_size=8,  # flag beats file
        epochs=5,  # file beats default
        scheme="iob1",
    )
    assert settings.learning_rate == 5e-5  # the default


def test_evaluation_settings_from_a_file_and_flags(tmp_path):
    config = write_toml(
        tmp_path,
        'dataset = "dev.json"\npredictions = "p.json"\neval_articles = "0:3"\n',
    )
    settings = settings_of(
        evaluate, "squad", "--config", config, "--eval-articles", "3:"
    )
    assert settings == SquadEvaluationSettings(
        dataset="dev.json", predictions="p.json", eval_articles="3:"
    )
    assert settings.model is None  # scoring a file needs no model


def test_settings_are_frozen():
    settings = SquadSettings(model="m", output="o")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epochs = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.output = "elsewhere"
    assert (settings.epochs, settings.output) == (2, "o")


@pytest.mark.parametrize(
    "line, received",
    [
        ("epochs = 0", "epochs=0"),
        ("batch_size = 2.5", "batch_size=2.5"),
        ('learning_rate = "fast"', "learning_rate='fast'"),
        ("warmup_proportion = 1.0", "warmup_proportion=1.0"),
        ("layer_decay = 1.5", "layer_decay=1.5"),
        ("max_eval_examples = 0", "max_eval_examples=0"),
        ("seed = -1", "seed=-1"),
        ("verbose = 3", "verbose=3"),
        ("doc_stride = 0", "doc_stride=0"),
        ('train_answers = "some"', "train_answers='some'"),
        ('eval_articles = "last"', "eval_articles='last'"),
    ],
)
def test_a_bad_value_in_the_file_names_the_setting_and_value(
    tmp_path, line, received
):
    config = write_toml(tmp_path, f'model = "m"\noutput = "o"\n{line}\n')
    name = received.split("=")[0]
    with pytest.raises(
        ValueError, match=rf"invalid value for `{name}`.*Received: {received}$"
    ):
        settings_of(finetune, "squad", "--config", config)


def test_a_bad_flag_names_the_setting_and_value():
    glue = ("glue", "--task", "mrpc", "--model", "m", "--output", "o")
    with pytest.raises(ValueError, match=r"Received: epochs=0$"):
        settings_of(finetune, *glue, "--epochs", "0")
    with pytest.raises(ValueError, match=r"Received: learning_rate=-0.5$"):
        settings_of(finetune, *glue, "--learning-rate", "-0.5")
    with pytest.raises(ValueError, match=r"Received: max_train_examples=-3$"):
        settings_of(finetune, *glue, "--max-train-examples", "-3")
    with pytest.raises(ValueError, match=r"Received: sequence_length=0$"):
        settings_of(evaluate, "ner", "--model", "m", "--sequence-length", "0")


def test_a_bad_flag_beats_a_good_file_value(tmp_path):
    config = write_toml(tmp_path, 'model = "m"\noutput = "o"\nepochs = 2\n')
    with pytest.raises(ValueError, match=r"Received: epochs=0$"):
        settings_of(finetune, "ner", "--config", config, "--epochs", "0")


def test_an_unknown_key_in_the_file_is_named(tmp_path):
    config = write_toml(tmp_path, 'model = "m"\noutput = "o"\nbatchsize = 8\n')
    unknown = r"Unknown setting\(s\) \['batchsize'\] in .*run.toml"
    with pytest.raises(ValueError, match=unknown):
        settings_of(finetune, "ner", "--config", config)
    # A fine-tuning setting is unknown to an evaluation.
    config = write_toml(tmp_path, 'model = "m"\nepochs = 2\n')
    with pytest.raises(ValueError, match=r"Unknown setting\(s\) \['epochs'\]"):
        settings_of(evaluate, "ner", "--config", config)


def test_missing_and_unreadable_settings_are_reported(tmp_path):
    with pytest.raises(ValueError, match=r"Missing setting\(s\) \['output'\]"):
        settings_of(finetune, "ner", "--model", "m")
    with pytest.raises(ValueError, match="Cannot read the config file"):
        settings_of(finetune, "ner", "--config", str(tmp_path / "none.toml"))
    broken = write_toml(tmp_path, "epochs = = 3\n")
    with pytest.raises(ValueError, match="Cannot read the config file"):
        settings_of(finetune, "ner", "--config", broken)
    with pytest.raises(ValueError, match="exactly one of --model FILE and"):
        settings_of(finetune, "ner", "--output", "o")
    with pytest.raises(ValueError, match="exactly one of --model FILE and"):
        settings_of(
            finetune, "ner", "--model", "m", "--preset", "bert_tiny",
            "--output", "o",
        )  # fmt: skip
    with pytest.raises(ValueError, match=r"Give --model FILE"):
        settings_of(evaluate, "ner")
    with pytest.raises(ValueError, match="--predictions needs --dataset"):
        settings_of(evaluate, "squad", "--predictions", "p.json")
    with pytest.raises(ValueError, match="No qnli train file is bundled"):
        GlueSettings(task="qnli", model="m", output="o")
    # A train file of one's own makes QNLI trainable.
    GlueSettings(task="qnli", model="m", output="o", train_file="t.tsv")


def test_the_commands_report_a_bad_file_in_one_line(tmp_path):
    config = write_toml(tmp_path, 'task = "sst2"\neval_batch_size = 0\n')
    with pytest.raises(SystemExit, match=r"^error: .*eval_batch_size=0$"):
        main(["evaluate", "glue", "--config", config, "--model", "m.keras"])
    config = write_toml(tmp_path, 'task = "sst2"\nmodel = "m"\nlr = 1\n')
    output = tmp_path / "run"
    with pytest.raises(SystemExit, match=r"^error: Unknown setting\(s\)"):
        main(["finetune", "glue", "--config", config, "--output", str(output)])
    assert not output.exists()
