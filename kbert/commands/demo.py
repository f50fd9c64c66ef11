"""Start the Streamlit demo on the models folder (exporting for TF Serving).

Checks `fill_mask`, `paraphrase` and `qa` in the models folder, exports
each present model that has no `serving/1/` yet, then runs
`streamlit run apps/demo.py` as a child process and prints its URL once
the server answers. Ctrl-C stops it.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# The app and models sit in the repository, not in the package: found from
# the working directory (the repository root) or given by flag/variable.
DEFAULT_APP = Path("apps", "demo.py")
MODEL_NAMES = ("fill_mask", "paraphrase", "qa")
BUILD_COMMAND = "bash savedmodels/build.sh"
# Importing TensorFlow and Keras in the app's first run can take a while on
# a busy machine; the server itself answers its health check before that.
START_TIMEOUT_SECONDS = 120


def add_arguments(parser):
    parser.add_argument(
        "--models-dir",
        default=os.environ.get("KBERT_MODELS_DIR") or "savedmodels",
        help="the models folder (default: $KBERT_MODELS_DIR, else "
        "savedmodels/ in the working directory)",
    )
    parser.add_argument(
        "--app",
        default=os.environ.get("KBERT_DEMO_APP") or str(DEFAULT_APP),
        help="the Streamlit app (default: $KBERT_DEMO_APP, else "
        "apps/demo.py in the working directory)",
    )
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.add_argument(
        "--no-export",
        action="store_true",
        help="do not write missing TF Serving exports (serving/1/)",
    )


def serving_folder(models_dir, name):
    return Path(models_dir) / name / "serving" / "1"


def check_models(models_dir):
    """Prints which demo models exist; returns the names of those present."""
    present = []
    for name in MODEL_NAMES:
        path = Path(models_dir) / name / "model.keras"
        if path.is_file():
            present.append(name)
            print(f"{name}: {path}")
        else:
            print(f"{name}: missing ({path}); build it with: {BUILD_COMMAND}")
    return present


def export_missing(models_dir, names):
    """Exports each named model that has no `serving/1/` yet.

    Returns:
        The names exported.
    """
    exported = []
    for name in names:
        output = serving_folder(models_dir, name)
        if output.is_dir() and any(output.iterdir()):
            continue
        from kbert.export import export_saved_model
        from kbert.saving import load_model

        print(f"{name}: exporting for TF Serving to {output} ...", flush=True)
        # A pretrainer exports as fill-mask, its default serving kind.
        export_saved_model(
            load_model(str(Path(models_dir) / name / "model.keras")),
            str(output),
        )
        exported.append(name)
    return exported


def streamlit_command(app, port, address):
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def wait_for_health(url, process, timeout):
    """True once `url` answers 200; False if the process ends or time out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def stop(process, grace_seconds=10):
    """Terminates a child process; kills it if it outlives the grace."""
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(args):
    if not 1 <= args.port <= 65535:
        print(f"--port must be from 1 to 65535; received {args.port}.")
        return 2
    app = Path(args.app).resolve()
    if not app.is_file():
        print(
            f"No demo app at {app}: run `python -m kbert demo` from the "
            "repository root, or pass --app (or set KBERT_DEMO_APP) to "
            "apps/demo.py."
        )
        return 2
    models_dir = Path(args.models_dir).resolve()
    print(f"Models folder: {models_dir}")
    present = check_models(models_dir)
    if not args.no_export:
        export_missing(models_dir, present)
    env = dict(os.environ, KBERT_MODELS_DIR=str(models_dir))
    # Ctrl-C (SIGINT) and `kill` (SIGTERM) stop the app, also when a shell
    # without job control started this process with SIGINT ignored (as it
    # does for background jobs; Python then keeps ignoring it).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    process = subprocess.Popen(
        streamlit_command(app, args.port, args.address), env=env
    )
    host = "localhost" if args.address in ("0.0.0.0", "") else args.address
    base = f"http://{host}:{args.port}"
    try:
        if not wait_for_health(
            f"{base}/_stcore/health", process, START_TIMEOUT_SECONDS
        ):
            print(
                f"The demo did not start on {base} (is the port in use?); "
                "see streamlit's output above."
            )
            stop(process)
            return 1
        print(f"kbert demo running at {base}", flush=True)
        print("Press Ctrl-C to stop it.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        stop(process)
        print("kbert demo stopped.")
        return 0
