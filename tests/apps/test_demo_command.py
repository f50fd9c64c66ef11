"""`python -m kbert demo`: exports what is missing, serves, stops."""

import os
import signal
import subprocess
import sys
import threading
import urllib.request

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
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
