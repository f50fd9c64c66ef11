"""The settings of a run: one frozen dataclass per kind of run, built from
defaults, a TOML file and flags the same way for pretraining, fine-tuning
and evaluation.

A settings class declares each setting once, as a field made by `setting`:
its default is the setting's default and its metadata the help and allowed
values of its flag; the class checks its values in `__post_init__`.
`add_arguments` gives a parser `--config` and one flag per field, and
`settings_from_args` builds the class from the parsed flags: the defaults,
overridden by the `--config FILE` (TOML, the same keys), overridden by the
flags given.
"""

import argparse
import dataclasses
import tomllib
import typing


def read_config(path, names):
    """The settings in the TOML file at `path`; every key must be one of
    `names`."""
    try:
        with open(path, "rb") as file:
            values = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(
            f"Cannot read the config file {path}: {error}"
        ) from None
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(
            f"Unknown setting(s) {unknown} in {path}. Known: {sorted(names)}"
        )
    return values


def setting(help, choices=None, **default):
    """A settings field: `help` and `choices` are its flag's help and
    allowed values; `default=` or `default_factory=` as for
    `dataclasses.field` (neither: the setting is required)."""
    return dataclasses.field(
        **default, metadata={"help": help, "choices": choices}
    )


def check_optional(check, name, value):
    """`check(name, value)` unless `value` is None (the setting not given)."""
    if value is not None:
        check(name, value)


def add_arguments(parser, settings_class):
    """Adds `--config` and a flag per field of `settings_class` to `parser`
    (`--batch-size` for `batch_size`), all defaulting to unset so that
    `settings_from_args` can tell the flags given."""
    parser.add_argument(
        "--config", help="TOML file with any of these settings (same names)"
    )
    for each in dataclasses.fields(settings_class):
        text = each.metadata["help"]
        if each.default not in (None, dataclasses.MISSING):
            text = f"{text} (default: {each.default})"
        flag = "--" + each.name.replace("_", "-")
        # argparse expands %-formats in help; the texts are plain prose.
        text = text.replace("%", "%%")
        kind = _flag_type(each.type)
        if kind is bool:
            # --whole-word-masking / --no-whole-word-masking
            parser.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=text,
            )
        else:
            parser.add_argument(
                flag,
                type=kind,
                choices=each.metadata["choices"],
                default=None,
                help=text,
            )


def _flag_type(annotation):
    """`int | None` -> int: the type argparse converts the flag's text to."""
    kinds = [
        kind for kind in typing.get_args(annotation) if kind is not type(None)
    ]
    return kinds[0] if kinds else annotation


def settings_from_args(settings_class, args):
    """Builds `settings_class` from parsed flags: its defaults, overridden by
    the `--config` TOML file when given, overridden by the flags given.

    Args:
        settings_class: a settings dataclass (`PretrainingSettings`,
            `FineTuneSettings`, `EvaluationSettings`, ...).
        args: an `argparse.Namespace` from a parser that `add_arguments`
            set up for `settings_class`.

    Returns:
        A `settings_class`, checked.

    Example:

    >>> import argparse
    >>> from kbert.training.finetuning import NerSettings
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser, NerSettings)
    >>> args = parser.parse_args(["--model", "m.keras", "--output", "o"])
    >>> settings_from_args(NerSettings, args).learning_rate
    5e-05
    """
    fields = dataclasses.fields(settings_class)
    values = {}
    config = getattr(args, "config", None)
    if config:
        values.update(read_config(config, [each.name for each in fields]))
    for each in fields:
        if getattr(args, each.name, None) is not None:
            values[each.name] = getattr(args, each.name)
    missing = [
        each.name
        for each in fields
        if each.name not in values
        and each.default is dataclasses.MISSING
        and each.default_factory is dataclasses.MISSING
    ]
    if missing:
        flags = " ".join("--" + name.replace("_", "-") for name in missing)
        raise ValueError(
            f"Missing setting(s) {missing}: give them as flags ({flags}) or "
            "in the --config file."
        )
    return settings_class(**values)
