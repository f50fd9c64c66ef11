"""kbert installed with pip into a virtualenv works outside the checkout:
no library code finds data, models or the app through the repository's
layout."""

import gzip
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtualenv (seeing this environment's packages) with kbert
    installed from the checkout; returns its python."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return python


def run(python, cwd, *args, env=None):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "KBERT_DATA_DIR", "KBERT_MODELS_DIR")
    }
    return subprocess.run(
        [str(python), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**environment, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        timeout=300,
    )


def test_the_installed_package_is_the_one_imported(installed, tmp_path):
    result = run(
        installed, tmp_path, "-c", "import kbert; print(kbert.__file__)"
    )
    assert result.returncode == 0, result.stderr
    location = result.stdout.strip()
    assert "site-packages" in location
    assert not location.startswith(str(REPO))


def test_data_dir_comes_from_the_environment_or_the_working_directory(
    installed, tmp_path
):
    code = (
        "from kbert.training.finetuning import default_data_dir; "
        "print(default_data_dir())"
    )
    result = run(installed, tmp_path, "-c", code)
    assert result.stdout.strip() == os.path.join("..", "shared", "data")
    result = run(
        installed, tmp_path, "-c", code, env={"KBERT_DATA_DIR": "/data/here"}
    )
    assert result.stdout.strip() == "/data/here"


def test_a_command_runs_from_another_directory(installed, tmp_path):
    part = tmp_path / "part.txt.gz"
    with gzip.open(part, "wt", encoding="utf-8") as handle:
        handle.write("One article. Two sentences.\n\nAnother one.\n")
    result = run(
        installed,
        tmp_path,
        "-m",
        "kbert",
        "corpus",
        "--source",
        "wikipedia",
        "--input",
        "part.txt.gz",
        "--output",
        "corpus.txt",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "corpus.txt").read_text(encoding="utf-8") == (
        "One article.\nTwo sentences.\n\nAnother one.\n"
    )


def test_the_demo_outside_the_checkout_names_what_it_needs(installed, tmp_path):
    result = run(installed, tmp_path, "-m", "kbert", "demo", "--no-export")
    assert result.returncode == 2
    assert "No demo app at" in result.stdout and "--app" in result.stdout
