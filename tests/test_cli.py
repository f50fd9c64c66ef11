"""`python -m kbert` as a user runs it."""

import argparse
import importlib

from kbert import cli
from tests.conftest import kbert


def test_info_prints_config_and_exact_parameter_count():
    result = kbert("info", "--preset", "bert_tiny", "--pretrainer")
    assert result.returncode == 0, result.stderr
    assert '"hidden_dim": 128' in result.stdout
    assert '"num_layers": 2' in result.stdout
    assert "backbone parameters: 4,385,920" in result.stdout
    # + MLM transform (128*128 + 128), LayerNorm (256), output bias (30,522)
    # and NSP (128*2 + 2).
    assert "pretrainer parameters: 4,433,468" in result.stdout


def test_unknown_preset_and_command_are_reported():
    result = kbert("info", "--preset", "bert_huge")
    assert result.returncode == 2
    assert "invalid choice: 'bert_huge'" in result.stderr
    result = kbert("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_smoke_runs_end_to_end():
    result = kbert("smoke")
    assert result.returncode == 0, result.stderr
    assert "bert_tiny (4,385,920 parameters" in result.stdout
    assert "top-5 ids at the [MASK]" in result.stdout


def _parsers_below(parser):
    """The parser and every sub-command parser under it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers_below(child)


def test_every_command_and_subcommand_renders_its_help():
    # `--help` goes through argparse's %-expansion of every help text; a
    # stray "%" (as in "1% of steps") crashed `pretrain --help` once.
    rendered = []
    for name, module_name in cli.COMMANDS.items():
        module = importlib.import_module(f"kbert.commands.{module_name}")
        parser = argparse.ArgumentParser(prog=f"python -m kbert {name}")
        module.add_arguments(parser)
        for each in _parsers_below(parser):
            rendered.append((each.prog, each.format_help()))
    progs = [prog for prog, _ in rendered]
    assert "python -m kbert finetune squad" in progs
    assert "python -m kbert evaluate glue" in progs
    pretrain_help = dict(rendered)["python -m kbert pretrain"]
    assert "1% of steps" in pretrain_help
    assert "(default: None)" not in pretrain_help


STARTUP_NOISE = ("InitializeLog", "I0000", "E0000", "W0000", "cuInit")


def test_commands_start_quietly_and_verbose_brings_the_lines_back(tmp_path):
    quiet = kbert("info", "--preset", "bert_tiny")
    assert quiet.returncode == 0
    assert not [n for n in STARTUP_NOISE if n in quiet.stderr], quiet.stderr
    loud = kbert("--verbose", "info", "--preset", "bert_tiny")
    assert loud.returncode == 0
    assert loud.stdout == quiet.stdout
    # TensorFlow's own lines are back (this build always writes the
    # absl preamble before its first message).
    assert "InitializeLog" in loud.stderr
    # Errors after start-up still reach stderr.
    failed = kbert("convert", "--from", "keras", "--input",
                   str(tmp_path / "missing.keras"), "--output",
                   str(tmp_path / "out.keras"))
    assert failed.returncode != 0
    assert "missing.keras" in failed.stderr
