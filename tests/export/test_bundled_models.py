"""The demo models committed in savedmodels/: load safely, answer alike.

These are the real models the demo shows (MiniLM-L6-H384 fine-tuned here),
stored as compact `.keras` files (int8, or float16 for paraphrase).
"""

import json

import pytest

from apps.demo_functions import EXAMPLE_CONTEXT as PARAGRAPH
from tests.conftest import REPO

MODELS = REPO / "savedmodels"
# Hand-made questions about the demo's paragraph: some it answers,
# some it cannot, on which the SQuAD 2.0 QA model must abstain ("").
ANSWERS = {
    "When was Jane Austen born?": "1775",
    "Where did Jane Austen die?": "Winchester",
    "When did Pride and Prejudice appear?": "1813",
    "How many major novels did Jane Austen write?": "six",
}
UNANSWERABLE = (
    "Who was Jane Austen's husband?",
    "What is the capital of Japan?",
    "When did Charles Dickens die?",
)
KINDS = {
    "fill_mask": "BertPretrainer",
    "paraphrase": "BertClassifier",
    "qa": "BertQuestionAnswerer",
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_bundled_model_loads_in_safe_mode_with_its_card(name):
    from kbert.saving import load_model

    path = MODELS / name / "model.keras"
    assert path.is_file(), f"missing {path}: run bash savedmodels/build.sh"
    assert path.stat().st_size < 50_000_000
    model = load_model(str(path))  # keras safe mode
    assert type(model).__name__ == KINDS[name]
    assert len(model.backbone.vocabulary) == 30522
    assert model.backbone.hidden_dim == 384
    card = json.loads((MODELS / name / "metrics.json").read_text())
    assert card["source"] and card["metrics"]


def test_bundled_qa_model_answers_the_paragraph_and_abstains_beyond_it():
    """The demo's QA model carries its SQuAD 2.0 no-answer threshold: its
    best span is the right one for every question the paragraph answers,
    it answers most of them and never wrongly, and it answers "" (start =
    end = -1, the null score above the best span's by the threshold) to
    every question the paragraph cannot answer. (τ maximises F1 on SQuAD
    2.0, half of whose questions have no answer, so it gives up some
    answerable ones.)"""
    from kbert.pipelines import QuestionAnsweringPipeline
    from kbert.saving import load_model

    model = load_model(str(MODELS / "qa" / "model.keras"))
    assert model.no_answer_threshold is not None
    pipeline = QuestionAnsweringPipeline(model)
    results = pipeline(list(ANSWERS), [PARAGRAPH] * len(ANSWERS))
    assert [r["candidates"][0]["text"] for r in results] == list(
        ANSWERS.values()
    )
    given = [r["answer"] for r in results]
    assert all(a in ("", gold) for a, gold in zip(given, ANSWERS.values()))
    assert sum(a != "" for a in given) > len(ANSWERS) / 2
    results = pipeline(list(UNANSWERABLE), [PARAGRAPH] * len(UNANSWERABLE))
    for result in results:
        assert result["answer"] == ""
        assert result["start"] == result["end"] == -1
        assert result["null_score"] > (
            result["score"] + model.no_answer_threshold
        )


def test_bundled_qa_saved_model_answers_as_the_pipeline(tmp_path, shared_data):
    """The first 64 questions of SQuAD 2.0 dev articles 17 on (held out
    from its training and its threshold; half have no answer), and the
    hand-made ones: the text-in SavedModel (fresh process, no
    tensorflow_text) gives the pipeline's answers, abstentions included,
    and both score the same with the official v2.0 metric."""
    from kbert.data.squad import load_squad_json, squad_examples
    from kbert.evaluation import squad_v2_scores
    from kbert.export import export_saved_model
    from kbert.pipelines import QuestionAnsweringPipeline
    from kbert.saving import load_model
    from tests.export.conftest import serve_one

    dataset = load_squad_json(
        shared_data / "squad_v2.0" / "dev-v2.0.reconstructed.json.gz"
    )
    examples = squad_examples(dataset, slice(17, None))[:64]
    model = load_model(str(MODELS / "qa" / "model.keras"))
    export_saved_model(model, str(tmp_path / "qa" / "1"))
    hand_made = list(ANSWERS) + list(UNANSWERABLE)
    questions = [e.question for e in examples] + hand_made
    contexts = [e.context for e in examples] + [PARAGRAPH] * len(hand_made)
    served = serve_one(
        tmp_path / "qa" / "1",
        {"question": questions, "context": contexts},
        tmp_path,
    )
    expected = QuestionAnsweringPipeline(model)(questions, contexts)
    assert served["answer"] == [e["answer"] for e in expected]
    assert served["start"] == [e["start"] for e in expected]
    assert served["answer"][-len(UNANSWERABLE) :] == [""] * len(UNANSWERABLE)
    assert served["start"][-len(UNANSWERABLE) :] == [-1] * len(UNANSWERABLE)

    def scores(answers):
        return squad_v2_scores(
            dataset["data"][17:],
            {e.id: a for e, a in zip(examples, answers)},
            question_ids={e.id for e in examples},
        )

    squad_answers = served["answer"][: len(examples)]
    assert scores(squad_answers) == scores([e["answer"] for e in expected])
    # A trained model: it answers some and abstains on some, and scores
    # above abstaining on every question (F1 60.97 against 49.14 over all
    # 6,425 of these questions).
    assert 0 < sum(bool(a) for a in squad_answers) < len(examples)
    abstaining = scores([""] * len(examples))["f1"]
    assert scores(squad_answers)["f1"] > abstaining + 5


def test_bundled_fill_mask_saved_model_fills_every_mask_as_the_pipeline(
    tmp_path,
):
    """The 100 cloze sentences and a two-mask sentence: the text-in
    SavedModel (fresh process, no tensorflow_text) returns `[N, masks, 5]`
    tokens that are the pipeline's, and its cloze accuracy is the one the
    model card records."""
    from kbert.evaluation.cloze_accuracy import (
        read_cloze_sentences,
        top_k_accuracy,
    )
    from kbert.export import export_saved_model
    from kbert.pipelines import FillMaskPipeline
    from kbert.saving import load_model
    from tests.export.conftest import serve_one

    sentences, answers = read_cloze_sentences(
        MODELS / "cloze_sentences.tsv"
    )
    texts = sentences + ["The [MASK] of France is [MASK]."]
    model = load_model(str(MODELS / "fill_mask" / "model.keras"))
    export_saved_model(model, str(tmp_path / "fill_mask" / "1"))
    served = serve_one(tmp_path / "fill_mask" / "1", {"text": texts}, tmp_path)
    expected = FillMaskPipeline(model, top_k=5)(texts)
    assert served["num_masks"] == [1] * 100 + [2]
    for row, masks in enumerate(expected):
        for slot, ranked in enumerate(masks):
            assert served["tokens"][row][slot] == [t for t, _ in ranked]
    assert served["tokens"][100][1] != [""] * 5  # the second mask's row
    accuracy = top_k_accuracy(
        [row[0] for row in served["tokens"][:100]], answers, k=5
    )
    card = json.loads((MODELS / "fill_mask" / "metrics.json").read_text())
    assert accuracy == card["metrics"]["cloze_top5_accuracy"]
    assert accuracy >= 0.5  # a trained model (random heads score ~0)
