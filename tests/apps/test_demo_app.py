"""AppTest drives every page of the demo with tiny real models."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from apps import demo_functions
from tests.apps.conftest import APP, METRICS

CONTEXT = (
    "Jane Austen was an English novelist. She was born in 1775 in "
    "Steventon, Hampshire, and died in Winchester in 1817."
)
QUESTION = "Where was Jane Austen born?"


def open_page(page, models_dir):
    """A fresh AppTest on `page`, after the first run of the script."""
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    app.sidebar.radio[0].set_value(page).run()
    assert not app.exception
    return app


def chart_frames(app):
    """The data of each Vega-Lite chart on the page, as DataFrames."""
    from streamlit import dataframe_util

    frames = []
    for node in app.get("vega_lite_chart"):
        proto = node.proto
        data = proto.datasets[0].data.data if proto.datasets else (
            proto.data.data
        )
        frames.append(dataframe_util.convert_arrow_bytes_to_pandas_df(data))
    return frames


def press(app, key):
    app.button(key=key).click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def ask(models_dir, context, question):
    """The QA page after asking `question` about `context`."""
    app = open_page("Question answering", models_dir)
    app.text_area[0].set_value(context)
    app.text_input[0].set_value(question)
    return press(app, "qa_button")


def messages(app):
    return [element.value for element in app.warning]


def test_fill_mask_chart_holds_the_pipelines_top_k(models_dir, loaded):
    app = open_page("Fill-mask", models_dir)
    sentence = "The capital of France is [MASK]."
    app.text_input[0].set_value(sentence)
    press(app, "fill_mask_button")
    expected = loaded["fill_mask"]["fill_mask"](sentence)[0][0]
    (frame,) = chart_frames(app)
    assert list(frame["token"]) == [token for token, _ in expected]
    np.testing.assert_allclose(
        frame["probability"], [p for _, p in expected], rtol=1e-6
    )
    assert len(expected) == demo_functions.TOP_K


def test_each_mask_gets_its_own_chart(models_dir, loaded):
    app = open_page("Fill-mask", models_dir)
    sentence = "The [MASK] of France is [MASK]."
    app.text_input[0].set_value(sentence)
    press(app, "fill_mask_button")
    expected = loaded["fill_mask"]["fill_mask"](sentence)[0]
    assert len(expected) == 2
    frames = chart_frames(app)
    assert len(frames) == 2
    for frame, predictions in zip(frames, expected):
        assert list(frame["token"]) == [token for token, _ in predictions]
    assert [h.value for h in app.subheader] == [
        "[MASK] 1 of 2", "[MASK] 2 of 2"]


def test_sentence_pair_shows_three_numbers_in_range(models_dir, loaded):
    app = open_page("Sentence pair", models_dir)
    app.text_input[0].set_value("A man plays a guitar.")
    app.text_input[1].set_value("Someone is playing music.")
    press(app, "pair_button")
    values = {metric.label: float(metric.value) for metric in app.metric}
    assert set(values) == {
        "Next-sentence probability",
        "Paraphrase probability",
        "Cosine similarity",
    }
    assert 0 <= values["Next-sentence probability"] <= 1
    assert 0 <= values["Paraphrase probability"] <= 1
    assert -1 <= values["Cosine similarity"] <= 1
    expected = demo_functions.pair_scores(
        loaded, "A man plays a guitar.", "Someone is playing music."
    )
    assert values["Paraphrase probability"] == pytest.approx(
        expected["paraphrase"], abs=5e-4
    )
    assert values["Cosine similarity"] == pytest.approx(
        expected["cosine"], abs=5e-4
    )
    assert "backbone" in app.caption[0].value


def test_question_answering_highlights_the_pipelines_answer(
    models_dir, loaded
):
    app = ask(models_dir, CONTEXT, QUESTION)
    result = loaded["qa"]["qa"](QUESTION, CONTEXT)[0]
    assert result["answer"]
    bodies = [element.value for element in app.html]
    assert demo_functions.answer_html(result["answer"]) in bodies
    assert (
        demo_functions.highlight_html(CONTEXT, result["start"], result["end"])
        in bodies
    )
    assert float(app.metric[0].value) == pytest.approx(
        result["score"], abs=5e-3
    )
    runner_ups = app.table[0].value
    assert list(runner_ups["answer"]) == [
        candidate["text"] for candidate in result["candidates"][1:5]
    ]


def test_question_answering_says_when_the_model_abstains(
    models_dir, tmp_path, monkeypatch
):
    """A SQuAD 2.0 model whose threshold makes it abstain: the page says
    so, with the no-answer score beside the best span's."""
    from kbert.pipelines import QuestionAnsweringPipeline
    from kbert.saving import load_model

    for name in ("fill_mask", "paraphrase"):
        (tmp_path / name).symlink_to(models_dir / name)
    model = load_model(str(models_dir / "qa" / "model.keras"))
    # Abstain unless the best span beats [CLS] by a million.
    model.no_answer_threshold = -1e6
    (tmp_path / "qa").mkdir()
    model.save(tmp_path / "qa" / "model.keras")
    monkeypatch.setenv("KBERT_MODELS_DIR", str(tmp_path))
    app = ask(models_dir, CONTEXT, QUESTION)
    result = QuestionAnsweringPipeline(model)(QUESTION, CONTEXT)[0]
    assert result["answer"] == "" and result["candidates"]
    assert [element.value for element in app.info] == [
        "No answer in this context."
    ]
    assert [metric.label for metric in app.metric] == [
        "No-answer score",
        "Best span's score",
    ]
    assert float(app.metric[0].value) == pytest.approx(
        result["null_score"], abs=5e-3
    )
    assert float(app.metric[1].value) == pytest.approx(
        result["score"], abs=5e-3
    )
    assert result["candidates"][0]["text"] in app.caption[0].value
    assert not app.html  # no answer line, no highlight


def test_the_bundled_qa_model_answers_or_says_there_is_no_answer(
    monkeypatch,
):
    """The demo as shipped (savedmodels/qa, a SQuAD 2.0 model): it answers
    what the demo's paragraph says and abstains on what it does not."""
    from tests.conftest import REPO

    monkeypatch.setenv("KBERT_MODELS_DIR", str(REPO / "savedmodels"))
    paragraph = demo_functions.EXAMPLE_CONTEXT
    app = ask(None, paragraph, "Where did Jane Austen die?")
    assert demo_functions.answer_html("Winchester") in [
        element.value for element in app.html
    ]
    assert not app.info
    app = ask(None, paragraph, "Who was Jane Austen's husband?")
    assert [element.value for element in app.info] == [
        "No answer in this context."
    ]
    assert not app.html


def test_attention_heatmap_for_a_chosen_layer_and_head(models_dir, loaded):
    from kbert.pipelines import attention_maps

    text = "The cat sat on the mat."
    app = open_page("Attention", models_dir)
    app.text_input[0].set_value(text)
    press(app, "attention_button")
    app.selectbox(key="layer").set_value(2).run()
    app.selectbox(key="head").set_value(2).run()
    assert not app.exception
    # The reference: kbert's own attention_maps, cut to the same length.
    tokens, weights = attention_maps(
        loaded["fill_mask"]["model"], text,
        sequence_length=demo_functions.ATTENTION_TOKENS,
    )
    (frame,) = chart_frames(app)
    assert len(frame) == len(tokens) ** 2
    matrix = np.zeros((len(tokens), len(tokens)))
    matrix[frame["query_index"], frame["key_index"]] = frame["weight"]
    np.testing.assert_allclose(matrix, weights[1, 1], rtol=1e-5, atol=1e-7)
    assert "Layer 2, head 2" in app.caption[-1].value


def test_about_lists_each_models_source_and_metrics(models_dir):
    app = open_page("About", models_dir)
    tables = [table.value for table in app.table]
    assert len(tables) == 3
    for table, name in zip(tables, demo_functions.MODEL_NAMES):
        assert dict(zip(table["metric"], table["value"])) == {
            key: str(value) for key, value in METRICS[name]["metrics"].items()
        }
    text = " ".join(element.value for element in app.markdown)
    assert text.count("Source: tiny random test model") == 3


LONG = "word " * 4_000  # 20,000 characters


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("", "Please type a sentence with a [MASK]."),
        ("   \n ", "Please type a sentence with a [MASK]."),
        ("No mask here.", "Put a [MASK] where a word should be predicted"),
        ("[MASK] " * 6 + "too many.", "The sentence has 6 [MASK] tokens"),
        (LONG + "[MASK]", "is 20,006 characters long; the limit is 2,000"),
        ("😀🎉 [MASK] 🎉", "Around the [MASK] there are no letters"),
    ],
)
def test_fill_mask_bad_input_is_a_friendly_message(
    models_dir, sentence, expected
):
    app = open_page("Fill-mask", models_dir)
    app.text_input[0].set_value(sentence)
    press(app, "fill_mask_button")
    assert len(messages(app)) == 1 and expected in messages(app)[0]
    assert not chart_frames(app)


@pytest.mark.parametrize(
    "sentence_a, sentence_b, expected",
    [
        ("", "A cat.", "Please type sentence A."),
        ("A cat.", " \t", "Please type sentence B."),
        (LONG, "A cat.", "Sentence A is 20,000 characters long"),
        ("A cat.", "😀🎉", "Sentence B has no letters or digits"),
    ],
)
def test_sentence_pair_bad_input_is_a_friendly_message(
    models_dir, sentence_a, sentence_b, expected
):
    app = open_page("Sentence pair", models_dir)
    app.text_input[0].set_value(sentence_a)
    app.text_input[1].set_value(sentence_b)
    press(app, "pair_button")
    assert len(messages(app)) == 1 and expected in messages(app)[0]
    assert not app.metric


@pytest.mark.parametrize(
    "context, question, expected",
    [
        ("", QUESTION, "Please type the context."),
        (CONTEXT, "  ", "Please type the question."),
        ("x" * 100_000, QUESTION, "The context is 100,000 characters long; "
         "the limit is 5,000"),
        (LONG, QUESTION, "The context is 20,000 characters long; the limit "
         "is 5,000"),
        (CONTEXT, LONG, "The question is 20,000 characters long; the "
         "limit is 500"),
        (CONTEXT, "🤔❓", "The question has no letters or digits"),
        ("🎉" * 50, QUESTION, "The context has no letters or digits"),
    ],
)
def test_question_answering_bad_input_is_a_friendly_message(
    models_dir, context, question, expected
):
    app = ask(models_dir, context, question)
    assert len(messages(app)) == 1 and expected in messages(app)[0]
    assert not app.html


def test_a_context_at_the_limit_is_answered(models_dir, loaded):
    context = (CONTEXT + " ") * (5_000 // (len(CONTEXT) + 1))
    assert 4_800 < len(context) <= demo_functions.MAX_CONTEXT_CHARS
    app = ask(models_dir, context, QUESTION)
    assert not app.warning
    answer = loaded["qa"]["qa"](QUESTION, context)[0]["answer"]
    assert demo_functions.answer_html(answer) in [e.value for e in app.html]


@pytest.mark.parametrize("text", ["", "🙂🙃", "a" * 2_001])
def test_attention_bad_input_is_a_friendly_message(models_dir, text):
    app = open_page("Attention", models_dir)
    app.text_input[0].set_value(text)
    press(app, "attention_button")
    assert len(messages(app)) == 1
    assert not chart_frames(app)


def test_a_missing_model_shows_the_build_command(models_dir, tmp_path,
                                                 monkeypatch):
    # Only the paraphrase model: the pair page still gives its two numbers.
    (tmp_path / "paraphrase").symlink_to(models_dir / "paraphrase")
    monkeypatch.setenv("KBERT_MODELS_DIR", str(tmp_path))
    app = open_page("Sentence pair", models_dir)
    press(app, "pair_button")
    errors = [element.value for element in app.error]
    assert errors == [
        f"The fill_mask model is missing ({tmp_path}/fill_mask/model.keras)."
        " Build the demo models with: bash savedmodels/build.sh"
    ]
    assert [metric.label for metric in app.metric] == [
        "Paraphrase probability",
        "Cosine similarity",
    ]
    assert app.code[0].value == "bash savedmodels/build.sh"
    for page, button in (
        ("Fill-mask", "fill_mask_button"),
        ("Question answering", "qa_button"),
        ("Attention", "attention_button"),
    ):
        app = press(open_page(page, models_dir), button)
        assert "bash savedmodels/build.sh" in app.error[0].value
    about = open_page("About", models_dir)
    assert len(about.error) == 2
    assert len(about.table) == 1
