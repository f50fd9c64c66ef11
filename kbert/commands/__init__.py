"""The modules behind `python -m kbert <command>`; see `kbert/cli.py`."""
