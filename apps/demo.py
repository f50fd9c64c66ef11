"""The kbert demo: `streamlit run apps/demo.py` (or `python -m kbert demo`).

Widgets and layout only; the work is in `apps/demo_functions.py`. Models
come from `$KBERT_MODELS_DIR` (default `savedmodels/`), loaded once.
"""

import os
import sys
from pathlib import Path

# `streamlit run` puts apps/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kbert.startup import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from apps import demo_functions as demo  # noqa: E402

PAGES = (
    "Fill-mask",
    "Sentence pair",
    "Question answering",
    "Attention",
    "About",
)
def keep_tensorflow_caches():
    """Stops Streamlit's `keras.backend.clear_session()` after each run.

    Streamlit clears Keras' session after every script run, for scripts
    that build models on each run. It also clears TensorFlow's kernel
    cache, so each button press would set up the tokenizer's graph again
    (about 2 s of the press). The demo's models live in `st.cache_resource`
    and need no clearing; matplotlib, the other module Streamlit cleans up
    there, is not used here.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = lambda: None


@st.cache_resource(show_spinner="Loading the model (once)...")
def cached_models(name, path):
    return demo.load_demo_models(name, path)


def get_models(name):
    """The loaded models of `name`, or None after saying why not."""
    message = demo.missing_model_message(name)
    if message:
        st.error(message)
        st.code(demo.BUILD_COMMAND, language="bash")
        return None
    try:
        return cached_models(name, str(demo.model_path(name)))
    except Exception as error:  # a broken file must not take the app down
        st.error(
            f"The {name} model could not be loaded ({error}). Rebuild it "
            f"with: {demo.BUILD_COMMAND}"
        )
        return None


def fill_mask_page():
    st.header("Fill-mask")
    st.caption(
        "The masked-LM head ranks the vocabulary for each [MASK] position "
        f"(up to {demo.MAX_MASKS}, each predicted on its own)."
    )
    text = st.text_input(
        "A sentence with one or more [MASK]s", "Paris is the [MASK] of France."
    )
    if not st.button("Predict", key="fill_mask_button"):
        return
    problem = demo.fill_mask_problem(text)
    if problem:
        st.warning(problem)
        return
    models = get_models("fill_mask")
    if models is None:
        return
    masks = models["fill_mask"](text)[0]
    for number, predictions in enumerate(masks, start=1):
        if len(masks) > 1:
            st.subheader(f"[MASK] {number} of {len(masks)}")
        rows = demo.fill_mask_rows(predictions)
        chart = (
            alt.Chart(pd.DataFrame(rows))
            .mark_bar()
            .encode(
                x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1])),
                y=alt.Y("token:N", sort=None, title=None),
                tooltip=[
                    "rank",
                    "token",
                    alt.Tooltip("probability:Q", format=".4f"),
                ],
            )
        )
        st.altair_chart(chart, width="stretch")


def sentence_pair_page():
    st.header("Sentence pair")
    sentence_a = st.text_input("Sentence A", "The cat sat on the mat.")
    sentence_b = st.text_input("Sentence B", "A cat was sitting on the mat.")
    st.caption(
        "Next sentence: the fill-mask model's next-sentence head. "
        "Paraphrase: the MRPC classifier. Cosine similarity: mean-pooled, "
        "normalised embeddings from the paraphrase model's backbone."
    )
    if not st.button("Compare", key="pair_button"):
        return
    for text, label in (
        (sentence_a, "sentence A"),
        (sentence_b, "sentence B"),
    ):
        problem = demo.text_problem(text, label, demo.MAX_SENTENCE_CHARS)
        if problem:
            st.warning(problem)
            return
    models = {name: get_models(name) for name in ("fill_mask", "paraphrase")}
    scores = demo.pair_scores(models, sentence_a, sentence_b)
    columns = st.columns(3)
    for column, (key, label) in zip(
        columns,
        (
            ("next_sentence", "Next-sentence probability"),
            ("paraphrase", "Paraphrase probability"),
            ("cosine", "Cosine similarity"),
        ),
    ):
        if scores[key] is not None:
            column.metric(label, f"{scores[key]:.3f}")


def question_answering_page():
    st.header("Question answering")
    context = st.text_area("Context", demo.EXAMPLE_CONTEXT, height=160)
    question = st.text_input("Question", "Where was Jane Austen born?")
    if not st.button("Answer", key="qa_button"):
        return
    for problem in (
        demo.text_problem(context, "the context", demo.MAX_CONTEXT_CHARS),
        demo.text_problem(question, "the question", demo.MAX_QUESTION_CHARS),
    ):
        if problem:
            st.warning(problem)
            return
    models = get_models("qa")
    if models is None:
        return
    result = models["qa"](question, context)[0]
    if not result["candidates"]:
        st.info("No answer span fits in this context.")
        return
    if not result["answer"]:
        # SQuAD 2.0: the [CLS] "no answer" outscored the best span by more
        # than the model's threshold.
        st.info("No answer in this context.")
        null_column, span_column = st.columns(2)
        null_column.metric("No-answer score", f"{result['null_score']:.2f}")
        span_column.metric("Best span's score", f"{result['score']:.2f}")
        st.caption(
            f"Best span: “{result['candidates'][0]['text']}”. Scores are "
            "start + end logits; the model abstains when the no-answer "
            "score ([CLS]) exceeds the best span's by more than its "
            f"threshold ({models['qa'].no_answer_threshold:.2f})."
        )
        return
    st.html(demo.answer_html(result["answer"]))
    st.metric("Score (start + end logit)", f"{result['score']:.2f}")
    st.metric("No-answer score ([CLS])", f"{result['null_score']:.2f}")
    st.html(demo.highlight_html(context, result["start"], result["end"]))
    runner_ups = demo.runner_up_rows(result)
    if runner_ups:
        st.subheader("Runner-up answers")
        st.table(pd.DataFrame(runner_ups))


def attention_page():
    st.header("Attention")
    st.caption(
        "Self-attention of the fill-mask model's backbone: row i is how "
        f"much token i attends to each token (first {demo.ATTENTION_TOKENS} "
        "tokens)."
    )
    text = st.text_input(
        "Text", "The cat sat on the mat because it was warm."
    )
    if st.button("Show attention", key="attention_button"):
        problem = demo.text_problem(text, "a text", demo.MAX_SENTENCE_CHARS)
        if problem:
            st.warning(problem)
            st.session_state.pop("attention", None)
            return
        models = get_models("fill_mask")
        if models is None:
            return
        tokens, weights = demo.attention_weights(models, text)
        # Kept so picking another layer or head does not run the model.
        st.session_state["attention"] = (text, tokens, weights)
    if "attention" not in st.session_state:
        return
    shown_text, tokens, weights = st.session_state["attention"]
    layers, heads = weights.shape[:2]
    left, right = st.columns(2)
    layer = left.selectbox("Layer", range(1, layers + 1), key="layer")
    head = right.selectbox("Head", range(1, heads + 1), key="head")
    rows = demo.attention_rows(tokens, weights, layer, head)
    labels = [f"{index} {token}" for index, token in enumerate(tokens)]
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_rect()
        .encode(
            x=alt.X("key:N", sort=labels, title="attends to"),
            y=alt.Y("query:N", sort=labels, title="token"),
            color=alt.Color("weight:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=["query", "key", alt.Tooltip("weight:Q", format=".3f")],
        )
    )
    st.caption(f"Layer {layer}, head {head} of: {shown_text}")
    st.altair_chart(chart, width="stretch")


def about_page():
    st.header("About the models")
    st.write(f"Models folder: `{demo.models_dir()}`")
    for name in demo.MODEL_NAMES:
        card = demo.model_card(name)
        st.subheader(card["title"])
        if card["missing"]:
            st.error(card["missing"])
        if card["source"]:
            st.write(f"Source: {card['source']}")
        if card["metrics"]:
            st.table(
                pd.DataFrame(
                    [
                        {"metric": key, "value": str(value)}
                        for key, value in card["metrics"].items()
                    ]
                )
            )
        elif not card["missing"]:
            st.info("No evaluation figures (metrics.json) beside this model.")


keep_tensorflow_caches()
st.set_page_config(page_title="kbert demo", layout="wide")
st.sidebar.title("kbert demo")
page = st.sidebar.radio("Page", PAGES)
{
    "Fill-mask": fill_mask_page,
    "Sentence pair": sentence_pair_page,
    "Question answering": question_answering_page,
    "Attention": attention_page,
    "About": about_page,
}[page]()
