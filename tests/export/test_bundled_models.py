"""The demo models committed in savedmodels/: load safely, answer alike.

These are the real models the demo shows (MiniLM-L6-H384 fine-tuned here),
stored as compact `.keras` files (int8, or float16 for paraphrase).
"""

import json

import pytest

from tests.conftest import REPO

MODELS = REPO / "savedmodels"
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


def test_bundled_qa_saved_model_answers_as_the_pipeline(tmp_path, shared_data):
    """The first 64 questions of the SQuAD evaluation half: the text-in
    SavedModel (fresh process, no tensorflow_text) gives the pipeline's
    answers, and both score the same EM/F1."""
    from kbert.data.squad import load_squad_json, squad_examples
    from kbert.evaluation import squad_scores
    from kbert.export import export_saved_model
    from kbert.pipelines import QuestionAnsweringPipeline
    from kbert.saving import load_model
    from tests.export.conftest import serve_one

    dataset = load_squad_json(shared_data / "squad_v1.1" / "dev-v1.1.json.gz")
    examples = squad_examples(dataset, slice(24, None))[:64]
    model = load_model(str(MODELS / "qa" / "model.keras"))
    export_saved_model(model, str(tmp_path / "qa" / "1"))
    questions = [e.question for e in examples]
    contexts = [e.context for e in examples]
    served = serve_one(
        tmp_path / "qa" / "1",
        {"question": questions, "context": contexts},
        tmp_path,
    )
    expected = QuestionAnsweringPipeline(model)(questions, contexts)
    assert served["answer"] == [e["answer"] for e in expected]
    assert served["start"] == [e["start"] for e in expected]

    def scores(answers):
        return squad_scores(
            dataset["data"][24:],
            {e.id: a for e, a in zip(examples, answers)},
            question_ids={e.id for e in examples},
        )

    assert scores(served["answer"]) == scores([e["answer"] for e in expected])
    # A trained model, not a random one: most of these answers are right.
    assert scores(served["answer"])["f1"] > 50


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
