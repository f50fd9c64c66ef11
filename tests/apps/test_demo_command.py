"""`python -m kbert demo`: exports what is missing, serves, stops."""

import os
import signal
import subprocess
import sys
import threading
import urllib.request

import pytest

from tests.apps.conftest import free_port
from tests.conftest import REPO


def test_demo_exports_missing_models_then_serves_until_ctrl_c(
    models_dir, tmp_path
):
    # The paraphrase model alone: the others are reported missing.
    (tmp_path / "paraphrase").mkdir()
    (tmp_path / "paraphrase" / "model.keras").symlink_to(
        models_dir / "paraphrase" / "model.keras"
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kbert", "demo", "--port", str(port),
         "--models-dir", str(tmp_path)],
        cwd=REPO,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Started with SIGINT ignored, as a shell without job control starts
        # a background job (a CI runner may): Ctrl-C must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    watchdog = threading.Timer(240, process.kill)
    watchdog.start()
    lines = []
    try:
        url = f"http://localhost:{port}"
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("kbert demo running at"):
                break
        assert f"kbert demo running at {url}" in lines, "\n".join(lines)
        assert (
            f"fill_mask: missing ({tmp_path}/fill_mask/model.keras); build "
            "it with: bash savedmodels/build.sh"
        ) in lines
        assert (
            tmp_path / "paraphrase" / "serving" / "1" / "saved_model.pb"
        ).is_file()
        assert not (tmp_path / "qa" / "serving").exists()
        with urllib.request.urlopen(f"{url}/_stcore/health") as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, rest
        assert "kbert demo stopped." in rest
        # The app went with it: nothing answers on the port any more.
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=5)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()


def test_exports_only_models_without_a_serving_folder(tmp_path, capsys):
    from kbert.commands import demo

    for name in ("fill_mask", "qa"):
        (tmp_path / name / "serving" / "1").mkdir(parents=True)
        (tmp_path / name / "model.keras").write_bytes(b"")
    (tmp_path / "qa" / "serving" / "1" / "saved_model.pb").write_bytes(b"")
    assert demo.check_models(tmp_path) == ["fill_mask", "qa"]
    assert capsys.readouterr().out.splitlines()[1] == (
        f"paraphrase: missing ({tmp_path}/paraphrase/model.keras); build it "
        "with: bash savedmodels/build.sh"
    )
    # qa has an export; fill_mask's empty folder does not count as one, so
    # its (empty, unreadable) model file is loaded for export.
    assert demo.export_missing(tmp_path, ["qa"]) == []
    with pytest.raises(ValueError, match="accessible `.keras` zip file"):
        demo.export_missing(tmp_path, ["fill_mask"])
    assert "fill_mask: exporting for TF Serving" in capsys.readouterr().out


def test_no_export_flag_and_port_are_parsed():
    import argparse

    from kbert.commands import demo

    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    args = parser.parse_args(["--no-export", "--port", "9000"])
    assert (args.no_export, args.port) == (True, 9000)
    assert args.address == "localhost"
    args = parser.parse_args([])
    assert (args.no_export, args.port) == (False, 8501)
