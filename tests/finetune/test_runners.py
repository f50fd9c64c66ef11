"""Every runner end to end through the command line, on a tiny model."""

import json
import re

import keras
import numpy as np
import pytest

from kbert.cli import main
from kbert.models import (
    BertBackbone,
    BertClassifier,
    BertQuestionAnswerer,
    BertTokenClassifier,
)
from kbert.text import load_vocabulary
from tests.conftest import REPO, kbert

QUICK = [
    "--max-train-examples", "16",
    "--max-eval-examples", "12",
    "--epochs", "1",
    "--batch-size", "8",
    "--verbose", "0",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    vocabulary = load_vocabulary(
        SHARED_DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"
    )
    backbone = BertBackbone(
        vocabulary_size=len(vocabulary),
        num_layers=1,
        hidden_dim=16,
        num_heads=2,
        intermediate_dim=32,
        max_sequence_length=64,
    )
    backbone.set_vocabulary(vocabulary)
    path = tmp_path_factory.mktemp("tiny") / "backbone.keras"
    backbone.save(path)
    return str(path)


def read_metrics(folder):
    with open(folder / "metrics.json") as file:
        return json.load(file)


def evaluate(*args, capsys):
    capsys.readouterr()
    assert main(["evaluate", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_finetune_glue_pairs_then_evaluate(tiny_model, tmp_path, capsys):
    output = tmp_path / "mrpc"
    argv = ["finetune", "glue", "--task", "mrpc", "--model", tiny_model]
    argv += ["--output", str(output), "--sequence-length", "32", *QUICK]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["train_examples"] == 16
    assert metrics["metrics"]["eval_examples"] == 12
    assert set(metrics["metrics"]) == {"accuracy", "f1", "eval_examples"}
    assert len(metrics["train_losses"]) == 1
    # Every setting of the run but `verbose`, one per flag.
    assert set(metrics["settings"]) == {
        "task", "train_file", "eval_file", "model", "preset", "vocabulary",
        "data_dir", "eval_batch_size", "max_eval_examples", "sequence_length",
        "output", "epochs", "batch_size", "learning_rate", "warmup_proportion",
        "layer_decay", "max_train_examples", "seed", "checkpoint_every",
    }  # fmt: skip
    assert metrics["settings"]["epochs"] == 1
    model = keras.saving.load_model(output / "model.keras", compile=False)
    assert isinstance(model, BertClassifier) and model.num_classes == 2
    # The saved model evaluates to the metrics the run wrote.
    again = evaluate(
        "glue", "--task", "mrpc", "--model", str(output / "model.keras"),
        "--max-eval-examples", "12", "--sequence-length", "32",
        capsys=capsys,
    )  # fmt: skip
    assert again == metrics["metrics"]


def test_finetune_glue_regression_with_layer_decay(
    tiny_model, tmp_path, capsys
):
    output = tmp_path / "stsb"
    argv = ["finetune", "glue", "--task", "stsb", "--model", tiny_model]
    argv += ["--output", str(output), "--sequence-length", "32", *QUICK]
    # One block: it trains at 1e-6 of the rate, the embeddings at 1e-12.
    assert main([*argv, "--layer-decay", "1e-6"]) == 0
    metrics = read_metrics(output)["metrics"]
    assert set(metrics) == {"pearson", "spearman", "eval_examples"}
    # The saved regressor, evaluated in a second run, gives the figures the
    # training run wrote (the correlations of what it predicts).
    again = evaluate(
        "glue", "--task", "stsb", "--model", str(output / "model.keras"),
        "--max-eval-examples", str(metrics["eval_examples"]),
        "--sequence-length", "32", capsys=capsys,
    )  # fmt: skip
    assert again == metrics
    model = keras.saving.load_model(output / "model.keras", compile=False)
    assert model.num_classes == 1
    start = keras.saving.load_model(tiny_model, compile=False)
    token_embedding = model.backbone.token_embedding.embeddings
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(token_embedding),
        keras.ops.convert_to_numpy(start.token_embedding.embeddings),
        rtol=0,
        atol=1e-12,
    )
    block = model.backbone.encoder_blocks[0].trainable_variables
    before = start.encoder_blocks[0].trainable_variables
    moved = max(
        np.abs(keras.ops.convert_to_numpy(a - b)).max()
        for a, b in zip(block, before)
    )
    assert 0 < moved < 1e-7
    # The pooler (under the head) trains at the full rate: 2 updates of
    # about the 2e-5 peak rate move it by more than 1e-6.
    pooled = model.backbone.pooler.trainable_variables
    moved = max(
        np.abs(keras.ops.convert_to_numpy(a - b)).max()
        for a, b in zip(pooled, start.pooler.trainable_variables)
    )
    assert moved > 1e-6


def test_finetune_ner_then_evaluate_iob1(tiny_model, tmp_path, capsys):
    from tests.conftest import SHARED_DATA

    output = tmp_path / "ner"
    argv = ["finetune", "ner", "--model", tiny_model, "--output", str(output)]
    argv += ["--sequence-length", "48", *QUICK]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["train_sentences"] == 16
    assert metrics["metrics"]["eval_sentences"] == 12
    model_path = str(output / "model.keras")
    model = keras.saving.load_model(model_path, compile=False)
    assert isinstance(model, BertTokenClassifier)
    # The original IOB1 test file holds the same sentences: same scores.
    iob1 = SHARED_DATA / "conll2003" / "original_iob1" / "eng.testb"
    again = evaluate(
        "ner", "--model", model_path, "--eval-file", str(iob1),
        "--scheme", "iob1", "--max-eval-examples", "12",
        "--sequence-length", "48", capsys=capsys,
    )  # fmt: skip
    for key in ("precision", "recall", "f1", "accuracy"):
        assert again[key] == pytest.approx(metrics["metrics"][key])


def test_finetune_squad_then_evaluate_and_score_file(
    tiny_model, tmp_path, capsys
):
    from tests.conftest import SHARED_DATA

    output = tmp_path / "squad"
    windows = ["--sequence-length", "64", "--doc-stride", "32"]
    windows += ["--max-query-length", "16"]
    argv = ["finetune", "squad", "--model", tiny_model]
    argv += ["--output", str(output), *windows, *QUICK]
    assert main(argv) == 0
    metrics = read_metrics(output)
    # By default: the first 16 questions of the training set (one answer
    # each), scored on the official dev set.
    assert metrics["train_questions"] == metrics["train_targets"] == 16
    assert metrics["train_unanswerable"] == 0
    assert metrics["task"] == "squad_v1.1"
    assert metrics["train_file"].endswith("train-v1.1.reconstructed.json.gz")
    assert metrics["dataset"].endswith("dev-v1.1.json.gz")
    assert metrics["train_windows"] > 16  # contexts need several windows
    assert metrics["metrics"]["eval_questions"] == 12
    predictions = json.loads((output / "predictions.json").read_text())
    assert len(predictions) == 12
    model_path = str(output / "model.keras")
    assert isinstance(
        keras.saving.load_model(model_path, compile=False),
        BertQuestionAnswerer,
    )
    rewritten = tmp_path / "again.json"
    again = evaluate(
        "squad", "--model", model_path, "--max-eval-examples", "12",
        "--write-predictions", str(rewritten), *windows, capsys=capsys,
    )  # fmt: skip
    assert again == metrics["metrics"]
    assert json.loads(rewritten.read_text()) == predictions
    # The official metric on the predictions file: over all 10,570 dev
    # questions, the 10,558 unanswered ones scoring 0.
    dataset = SHARED_DATA / "squad_v1.1" / "dev-v1.1.json.gz"
    scored = evaluate(
        "squad", "--dataset", str(dataset), "--predictions",
        str(output / "predictions.json"), capsys=capsys,
    )  # fmt: skip
    assert scored["total"] == 10570 and scored["unanswered"] == 10558
    np.testing.assert_allclose(
        scored["f1"], metrics["metrics"]["f1"] * 12 / 10570, rtol=1e-9
    )


def test_finetune_squad_version_2_tunes_and_keeps_a_no_answer_threshold(
    tiny_model, tmp_path, capsys
):
    output = tmp_path / "squad2"
    windows = ["--sequence-length", "64", "--doc-stride", "32"]
    windows += ["--max-query-length", "16"]
    argv = ["finetune", "squad", "--version", "2", "--model", tiny_model]
    argv += ["--output", str(output), *windows, *QUICK]
    argv += ["--unanswerable-fraction", "0.5"]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["task"] == "squad_v2"
    assert metrics["dataset"].endswith("dev-v2.0.reconstructed.json.gz")
    # About half of the 16 training questions also come without answer.
    assert 3 <= metrics["train_unanswerable"] <= 13
    assert metrics["train_targets"] == 16 + metrics["train_unanswerable"]
    scores = metrics["metrics"]
    assert scores["eval_questions"] == scores["total"] == 12
    assert scores["HasAns_total"] + scores.get("NoAns_total", 0) == 12
    threshold = scores["no_answer_threshold"]
    assert isinstance(threshold, float)
    # The saved model carries the threshold; evaluating it again uses it
    # and gives the same figures.
    model_path = str(output / "model.keras")
    model = keras.saving.load_model(model_path, compile=False)
    assert model.no_answer_threshold == threshold
    again = evaluate(
        "squad", "--version", "2", "--model", model_path,
        "--max-eval-examples", "12", *windows, capsys=capsys,
    )  # fmt: skip
    assert again == scores
    # With a threshold that always abstains, version 2 answers nothing and
    # version 1.1, which asks for a span every time, answers everything.
    model.no_answer_threshold = -1e9
    model.save(tmp_path / "abstains.keras")
    for version, answered in (("2", False), ("1.1", True)):
        written = tmp_path / f"predictions_{version}.json"
        evaluate(
            "squad", "--version", version, "--model",
            str(tmp_path / "abstains.keras"), "--max-eval-examples", "12",
            "--write-predictions", str(written), *windows, capsys=capsys,
        )  # fmt: skip
        predictions = json.loads(written.read_text())
        assert len(predictions) == 12
        assert {answer != "" for answer in predictions.values()} == {answered}
    # Training the model further makes its threshold stale: a run that
    # continues it tunes a new one.
    capsys.readouterr()
    argv[argv.index(tiny_model)] = model_path
    argv[argv.index(str(output))] = str(tmp_path / "further")
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Continuing the BertQuestionAnswerer" in printed
    assert "No-answer threshold" in printed


def test_finetune_ner_feature_based_keeps_the_backbone(tiny_model, tmp_path):
    from kbert.models import BertFeatureTagger

    output = tmp_path / "ner_features"
    argv = ["finetune", "ner", "--model", tiny_model, "--features", "last"]
    argv += ["--lstm-units", "8", "--output", str(output)]
    argv += ["--sequence-length", "32", *QUICK, "--learning-rate", "1e-2"]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["settings"]["features"] == "last"
    assert 0 <= metrics["metrics"]["f1"] <= 100
    model = keras.saving.load_model(output / "model.keras")
    assert isinstance(model, BertFeatureTagger)
    assert model.features == "last" and model.lstm_units == 8
    start = keras.saving.load_model(tiny_model)
    for got, want in zip(model.backbone.get_weights(), start.get_weights()):
        np.testing.assert_array_equal(got, want)  # frozen
    with pytest.raises(SystemExit):  # argparse names the choices
        main(["finetune", "ner", "--model", tiny_model, "--features", "all",
              "--output", str(tmp_path / "x")])  # fmt: skip


def test_bad_runner_input_is_reported(tmp_path, capsys):
    with pytest.raises(SystemExit, match="No model file at 'missing.keras'"):
        main(["finetune", "glue", "--task", "sst2", "--model",
              "missing.keras", "--output", str(tmp_path)])  # fmt: skip
    with pytest.raises(SystemExit, match="give --vocabulary"):
        main(["finetune", "ner", "--preset", "bert_tiny", "--output",
              str(tmp_path)])  # fmt: skip
    with pytest.raises(SystemExit, match="No qnli train file is bundled"):
        main(["finetune", "glue", "--task", "qnli", "--preset", "bert_tiny",
              "--output", str(tmp_path)])  # fmt: skip
    bad = tmp_path / "preds.json"
    bad.write_text("[1, 2]")
    dataset = tmp_path / "data.json"
    dataset.write_text(json.dumps({"version": "1.1", "data": []}))
    with pytest.raises(SystemExit, match="must be a JSON object"):
        main(["evaluate", "squad", "--dataset", str(dataset),
              "--predictions", str(bad)])  # fmt: skip
    vocabulary = REPO.parent / "shared" / "data" / "bert_vocab"
    vocabulary = str(vocabulary / "bert-base-uncased-vocab.txt")
    with pytest.raises(SystemExit, match="START:STOP"):
        main(["finetune", "squad", "--preset", "bert_tiny", "--vocabulary",
              vocabulary, "--output", str(tmp_path),
              "--train-articles", "first"])  # fmt: skip


@pytest.mark.parametrize(
    "flag, value, setting",
    [
        ("--epochs", "0", "epochs=0"),
        ("--batch-size", "-8", "batch_size=-8"),
        ("--max-train-examples", "0", "max_train_examples=0"),
        ("--learning-rate", "0", "learning_rate=0.0"),
        ("--warmup-proportion", "1.5", "warmup_proportion=1.5"),
        ("--doc-stride", "0", "doc_stride=0"),
        ("--unanswerable-fraction", "1.5", "unanswerable_fraction=1.5"),
    ],
)
def test_non_positive_settings_are_refused_before_any_work(
    tiny_model, tmp_path, flag, value, setting
):
    # `--epochs 0` once ran the whole data preparation, then died with a
    # KeyError from the empty training history.
    output = tmp_path / "run"
    with pytest.raises(SystemExit, match=f"Received: {setting}$"):
        main(["finetune", "squad", "--model", tiny_model, "--output",
              str(output), flag, value])  # fmt: skip
    assert not output.exists()


def test_evaluate_refuses_a_non_positive_batch_before_loading():
    with pytest.raises(SystemExit, match="Received: eval_batch_size=0$"):
        main(["evaluate", "glue", "--task", "sst2", "--model", "any.keras",
              "--eval-batch-size", "0"])  # fmt: skip


def test_python_m_kbert_finetune_parses_as_a_user_runs_it():
    # The runs above go through the same parser in-process; this checks the
    # `python -m kbert` entry point itself, without paying for a run.
    result = kbert("finetune", "glue", "--task", "mnli", "--preset", "x")
    assert result.returncode == 2
    assert "invalid choice: 'mnli'" in result.stderr
    result = kbert("evaluate", "--help")
    assert result.returncode == 0
    assert "SQuAD v1.1 EM/F1" in result.stdout


def test_a_model_file_of_the_same_task_continues_with_its_head(
    tiny_model, tmp_path, capsys
):
    start = BertQuestionAnswerer(keras.saving.load_model(tiny_model))
    kernel = start.span_dense.weights[0]
    kernel.assign(np.full(kernel.shape, 0.25))  # no initialiser gives this
    path = tmp_path / "qa.keras"
    start.save(path)
    argv = ["finetune", "squad", "--model", str(path)]
    argv += ["--sequence-length", "64", "--doc-stride", "32"]
    argv += [*QUICK, "--learning-rate", "1e-30"]
    capsys.readouterr()
    assert main([*argv, "--output", str(tmp_path / "qa")]) == 0
    assert "Continuing the BertQuestionAnswerer" in capsys.readouterr().out
    model = keras.saving.load_model(tmp_path / "qa" / "model.keras")
    np.testing.assert_allclose(
        model.span_dense.weights[0].numpy(), 0.25, rtol=0, atol=1e-6
    )
    # A model of another task gives only its backbone: a new head.
    argv = ["finetune", "glue", "--task", "mrpc", "--model", str(path)]
    argv += ["--sequence-length", "32", *QUICK]
    assert main([*argv, "--output", str(tmp_path / "mrpc")]) == 0
    assert "Continuing" not in capsys.readouterr().out


def test_finetune_squad_learns_span_selection_from_span_questions(
    tiny_model, tmp_path
):
    """The demo QA recipe's first stage: recurring-span questions from real
    WikiText-2 articles train through the SQuAD runner as any SQuAD file."""
    from kbert.data.corpus_file import read_corpus
    from kbert.data.span_questions import span_questions
    from tests.conftest import write_wikitext_corpus

    corpus = write_wikitext_corpus(tmp_path / "wiki.txt", articles=3)
    dataset = tmp_path / "span.json"
    dataset.write_text(json.dumps(span_questions(read_corpus(corpus))))
    output = tmp_path / "span"
    argv = ["finetune", "squad", "--model", tiny_model, "--dataset"]
    argv += [str(dataset), "--train-file", str(dataset)]
    argv += ["--train-articles", "0:2", "--eval-articles", "2:"]
    argv += ["--sequence-length", "64", "--doc-stride", "32"]
    argv += ["--max-query-length", "16", "--output", str(output), *QUICK]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["dataset"] == str(dataset)
    assert metrics["train_questions"] == 16
    assert metrics["metrics"]["eval_questions"] == 12
    assert np.isfinite(metrics["train_losses"]).all()


@pytest.mark.parametrize(
    "argv, accepted, given",
    [
        (["glue", "--task", "mrpc"], "a BertClassifier",
         "BertQuestionAnswerer"),
        (["ner"], "a BertTokenClassifier or a BertFeatureTagger",
         "BertClassifier"),
        (["squad"], "a BertQuestionAnswerer", "BertClassifier"),
        (["swag", "--eval-file", "any.csv"],
         "a BertMultipleChoice or a BertPretrainer", "BertClassifier"),
    ],
)  # fmt: skip
def test_evaluate_names_a_model_file_of_another_task(
    tiny_model, tmp_path, argv, accepted, given
):
    import kbert.models

    backbone = keras.saving.load_model(tiny_model, compile=False)
    model_class = getattr(kbert.models, given)
    arguments = {"num_classes": 2} if given == "BertClassifier" else {}
    path = tmp_path / "other.keras"
    model_class(backbone, **arguments).save(path)
    message = (
        f"evaluate {argv[0]} needs {accepted}; the model file holds a "
        f"{given}."
    )
    with pytest.raises(SystemExit, match=re.escape(message)):
        main(["evaluate", *argv, "--model", str(path)])
