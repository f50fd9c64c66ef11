"""The demo models' quality, measured on held-out data.

    python savedmodels/demo_quality.py [--models-dir savedmodels]
        [--only qa paraphrase fill_mask] [--max-questions N]

- qa: SQuAD v1.1 dev EM/F1 (all 10,570 questions) and, when the model
  carries a no-answer threshold, SQuAD 2.0 dev articles 17-34 (6,425
  questions; exact/F1, HasAns and NoAns F1), each twice: with the Python
  pipeline over the Keras model and with the text-in SavedModel
  (`serving/1`, exported first if missing); the two must agree.
- paraphrase: MRPC dev F1 and accuracy (408 pairs).
- fill_mask: top-5 (and top-1) accuracy on the 100 cloze sentences of
  `savedmodels/cloze_sentences.tsv`.

Each model's figures are written into its `metrics.json` under `metrics`.
"""

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
BATCH = 64


# (name, SQuAD file, articles, version): v1.1 dev whole; v2.0 dev articles
# 17 on (0-16 train the demo model or tune its no-answer threshold).
QA_SETS = (
    ("squad_v1_dev", ("squad_v1.1", "dev-v1.1.json.gz"), slice(None), "1.1"),
    (
        "squad_v2_dev_17",
        ("squad_v2.0", "dev-v2.0.reconstructed.json.gz"),
        slice(17, None),
        "2",
    ),
)


def qa_predictions_keras(model, examples):
    from kbert.pipelines import QuestionAnsweringPipeline

    pipeline = QuestionAnsweringPipeline(model)
    predictions = {}
    for first in range(0, len(examples), BATCH):
        batch = examples[first : first + BATCH]
        results = pipeline(
            [e.question for e in batch], [e.context for e in batch]
        )
        for example, result in zip(batch, results):
            predictions[example.id] = result["answer"]
    return predictions


def qa_predictions_saved_model(path, examples):
    import tensorflow as tf

    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    predictions = {}
    for first in range(0, len(examples), BATCH):
        batch = examples[first : first + BATCH]
        answers = serve(
            question=tf.constant([e.question for e in batch]),
            context=tf.constant([e.context for e in batch]),
        )["answer"].numpy()
        for example, answer in zip(batch, answers):
            predictions[example.id] = answer.decode("utf-8")
    return predictions


def evaluate_qa(folder, max_questions=None):
    """SQuAD v1.1 dev (EM/F1) and, for a model with a no-answer threshold,
    SQuAD 2.0 dev articles 17 on (exact/F1, HasAns, NoAns), each with the
    Keras pipeline and with the SavedModel, and how often they agree."""
    from kbert.data.squad import load_squad_json, squad_examples
    from kbert.evaluation import squad_scores, squad_v2_scores
    from kbert.export import export_saved_model
    from kbert.saving import load_model

    model = load_model(str(folder / "model.keras"))
    serving = folder / "serving" / "1"
    if not (serving / "saved_model.pb").is_file():
        export_saved_model(model, str(serving))
    figures = {"no_answer_threshold": model.no_answer_threshold}
    for name, path, articles, version in QA_SETS:
        if version == "2" and model.no_answer_threshold is None:
            continue  # a v1.1 model never abstains
        dataset = load_squad_json(DATA.joinpath(*path))
        examples = squad_examples(dataset, articles)[:max_questions]
        asked = {e.id for e in examples}
        answers = {}
        for side, predict in (
            ("keras", lambda: qa_predictions_keras(model, examples)),
            (
                "saved_model",
                lambda: qa_predictions_saved_model(serving, examples),
            ),
        ):
            started = time.time()
            answers[side] = predict()
            if version == "2":
                scores = squad_v2_scores(
                    dataset["data"][articles],
                    answers[side],
                    question_ids=asked,
                )
                keys = ("exact", "f1", "HasAns_f1", "NoAns_f1")
            else:
                scores = squad_scores(
                    dataset["data"][articles],
                    answers[side],
                    question_ids=asked,
                )
                keys = ("exact_match", "f1")
            prefix = name if side == "keras" else f"{name}_saved_model"
            for key in keys:
                figures[f"{prefix}_{key}"] = round(scores[key], 2)
            figures[f"{prefix}_seconds"] = round(time.time() - started, 1)
        figures[f"{name}_questions"] = len(asked)
        same = sum(
            answers["keras"][i] == answers["saved_model"][i] for i in asked
        )
        figures[f"{name}_saved_model_same_answers"] = f"{same}/{len(asked)}"
    return figures


def evaluate_paraphrase(folder):
    from kbert.data.glue import read_glue
    from kbert.evaluation.glue_metrics import accuracy, binary_f1
    from kbert.pipelines import SentencePairPipeline
    from kbert.saving import load_model

    examples = read_glue("mrpc", DATA / "glue" / "MRPC" / "dev.tsv")
    pipeline = SentencePairPipeline(load_model(str(folder / "model.keras")))
    results = pipeline(
        [e.text_a for e in examples], [e.text_b for e in examples]
    )
    positive = pipeline.label_names[1]
    predicted = [int(r["label"] == positive) for r in results]
    labels = [e.label for e in examples]
    return {
        "mrpc_dev_f1": round(binary_f1(predicted, labels), 2),
        "mrpc_dev_accuracy": round(accuracy(predicted, labels), 2),
        "mrpc_dev_pairs": len(examples),
    }


def evaluate_fill_mask(folder):
    from evaluate_fill_mask import cloze_results  # savedmodels/

    from kbert.saving import load_model

    results = cloze_results(
        load_model(str(folder / "model.keras")),
        str(Path(__file__).with_name("cloze_sentences.tsv")),
        top_k=5,
    )
    results.pop("cloze_predictions")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", default=str(REPO / "savedmodels"))
    parser.add_argument(
        "--only", nargs="+", default=["qa", "paraphrase", "fill_mask"]
    )
    parser.add_argument("--max-questions", type=int)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for name in args.only:
        folder = Path(args.models_dir) / name
        if name == "qa":
            figures = evaluate_qa(folder, args.max_questions)
        elif name == "paraphrase":
            figures = evaluate_paraphrase(folder)
        else:
            figures = evaluate_fill_mask(folder)
        metrics_path = folder / "metrics.json"
        card = (
            json.loads(metrics_path.read_text())
            if metrics_path.is_file()
            else {}
        )
        card.setdefault("metrics", {}).update(figures)
        metrics_path.write_text(json.dumps(card, indent=2) + "\n")
        print(name, json.dumps(figures))


if __name__ == "__main__":
    main()
