"""How long each demo page takes to answer, with MiniLM-sized models.

Builds random `minilm_l6` (L6 H384) models over the real uncased
vocabulary in the demo's layout, then times each page's work after a
warm-up call: the functions a button press runs, and the whole press
through AppTest (script rerun included). Run by hand:

    python tests/benchmarks/demo_latency.py [--models-dir DIR]

With `--models-dir`, the models are built there once and reused.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from tests.apps.conftest import build_demo_models  # noqa: E402


def build(root):
    """Random minilm_l6 models in the demo's layout."""
    build_demo_models(
        root,
        preset="minilm_l6",
        metrics={"source": "random minilm_l6", "metrics": {"f1": 0}},
    )


def timed(function, repeats=5):
    function()  # warm-up: graph tracing, first allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    from streamlit.testing.v1 import AppTest

    from apps import demo_functions as demo

    parser = argparse.ArgumentParser()
    parser.add_argument("--models-dir")
    args = parser.parse_args()
    root = Path(args.models_dir or tempfile.mkdtemp())
    if not (root / "qa" / "model.keras").is_file():
        root.mkdir(parents=True, exist_ok=True)
        build(root)
    os.environ["KBERT_MODELS_DIR"] = str(root)
    start = time.perf_counter()
    models = {
        name: demo.load_demo_models(name, root / name / "model.keras")
        for name in demo.MODEL_NAMES
    }
    print(f"loading the three models: {time.perf_counter() - start:.2f} s")
    long_context = (demo.EXAMPLE_CONTEXT + " ") * (
        demo.MAX_CONTEXT_CHARS // (len(demo.EXAMPLE_CONTEXT) + 1)
    )
    calls = {
        "fill-mask": lambda: models["fill_mask"]["fill_mask"](
            "Paris is the [MASK] of France."
        ),
        "sentence pair (NSP + paraphrase + cosine)": lambda: demo.pair_scores(
            models, "The cat sat on the mat.", "A cat was on the mat."
        ),
        "question answering": lambda: models["qa"]["qa"](
            "Where was Jane Austen born?", demo.EXAMPLE_CONTEXT
        ),
        f"question answering, {len(long_context):,}-char context": (
            lambda: models["qa"]["qa"]("Where was she born?", long_context)
        ),
        "attention (weights + rows)": lambda: demo.attention_rows(
            *demo.attention_weights(
                models["fill_mask"],
                "The cat sat on the mat because it was warm.",
            ),
            1,
            1,
        ),
    }
    print("page work (median of 5 after a warm-up):")
    for name, call in calls.items():
        print(f"  {name}: {timed(call):.3f} s")

    app_file = str(Path(demo.__file__).with_name("demo.py"))
    presses = {
        "Fill-mask": "fill_mask_button",
        "Sentence pair": "pair_button",
        "Question answering": "qa_button",
        "Attention": "attention_button",
        "About": None,
    }
    print("a button press through AppTest (script rerun included):")
    for page, button in presses.items():
        app = AppTest.from_file(app_file, default_timeout=120)
        app.run()
        app.sidebar.radio[0].set_value(page).run()

        def press():
            if button:
                app.button(key=button).click().run()
            else:
                app.run()
            assert not app.exception

        print(f"  {page}: {timed(press):.3f} s")


if __name__ == "__main__":
    main()
