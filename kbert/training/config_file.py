"""Reading a run's TOML settings file: one reader for pretraining and
fine-tuning runs."""

import tomllib


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
