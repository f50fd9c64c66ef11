"""SWAG-format multiple choice: the reader, the features and the runner,
on hand-made files."""

import json

import numpy as np
import pytest

from kbert.cli import main
from kbert.data.multiple_choice import (
    MultipleChoiceExample,
    multiple_choice_features,
    read_swag,
)
from tests.finetune.test_runners import read_metrics, tiny_model  # noqa: F401

HEADER = (
    "video-id,fold-ind,startphrase,sent1,sent2,gold-source,"
    "ending0,ending1,ending2,ending3,label\n"
)
ROWS = [
    'v1,17,x,"She opens the door.",She,gold,walks in.,eats the moon.,'
    "sings a door.,flies away.,0\n",
    'v2,18,x,"The man, tired, sits.",He,gen,sleeps.,runs fast.,'
    "jumps.,reads a book.,3\n",
]


def swag_file(tmp_path, rows=ROWS, name="swag.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_swag_rows_become_a_context_and_four_endings(tmp_path):
    assert read_swag(swag_file(tmp_path)) == [
        MultipleChoiceExample(
            "17",
            "She opens the door.",
            ("She walks in.", "She eats the moon.", "She sings a door.",
             "She flies away."),  # fmt: skip
            0,
        ),
        MultipleChoiceExample(
            "18",
            "The man, tired, sits.",
            ("He sleeps.", "He runs fast.", "He jumps.", "He reads a book."),
            3,
        ),
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        ("v,1,x,A.,B,g,one,two,,four,1\n",
         "line 2: `ending2` is missing"),
        ("v,1,x,A.,B,g,one,two,three,four,7\n",
         "line 2: label must be 0-3. Received: label='7'"),
    ],
)  # fmt: skip
def test_bad_swag_rows_are_named(tmp_path, row, message):
    with pytest.raises(ValueError, match=message):
        read_swag(swag_file(tmp_path, [row]))


def test_each_choice_is_packed_with_its_context(tmp_path):
    from kbert.text import BertTokenizer, load_vocabulary
    from tests.conftest import UNCASED_VOCABULARY

    if not UNCASED_VOCABULARY.is_file():
        pytest.skip("the BERT vocabulary is not bundled here")
    tokenizer = BertTokenizer(load_vocabulary(UNCASED_VOCABULARY))
    examples = read_swag(swag_file(tmp_path))
    features, labels = multiple_choice_features(examples, tokenizer, 12)
    assert features["token_ids"].shape == (2, 4, 12)
    assert labels.tolist() == [0, 3]
    row = features["token_ids"][0, 1]
    length = int(features["padding_mask"][0, 1].sum())
    assert [tokenizer.id_to_token(int(i)) for i in row[:length]] == [
        "[CLS]", "she", "opens", "the", "door", ".", "[SEP]",
        "she", "eats", "the", "moon", "[SEP]",  # cut longest first
    ]  # fmt: skip
    assert features["segment_ids"][0, 1, :length].tolist() == [0] * 7 + [1] * 5
    odd = MultipleChoiceExample("odd", "A.", ("x", "y", "z"), 0)
    with pytest.raises(ValueError, match="'odd' has 3 choices but example "
                                         "'17' has 4"):  # fmt: skip
        multiple_choice_features([*examples, odd], tokenizer, 12)


def test_finetune_swag_then_evaluate(tiny_model, tmp_path, capsys):  # noqa: F811
    rows = ROWS * 4
    train = swag_file(tmp_path, rows, "train.csv")
    dev = swag_file(tmp_path, ROWS, "val.csv")
    output = tmp_path / "swag"
    argv = ["finetune", "swag", "--model", tiny_model, "--train-file"]
    argv += [str(train), "--eval-file", str(dev), "--output", str(output)]
    argv += ["--sequence-length", "24", "--epochs", "1", "--verbose", "0"]
    assert main(argv) == 0
    metrics = read_metrics(output)
    assert metrics["task"] == "swag" and metrics["train_examples"] == 8
    assert metrics["metrics"]["eval_examples"] == 2
    assert metrics["metrics"]["accuracy"] in (0.0, 50.0, 100.0)
    capsys.readouterr()
    assert main(["evaluate", "swag", "--model", str(output / "model.keras"),
                 "--eval-file", str(dev), "--sequence-length", "24"]) == 0
    assert json.loads(capsys.readouterr().out) == metrics["metrics"]
    unlabelled = swag_file(tmp_path, ["v,1,x,A.,B,g,a,b,c,d,\n"], "u.csv")
    with pytest.raises(SystemExit, match="rows without a label"):
        main(["evaluate", "swag", "--model", str(output / "model.keras"),
              "--eval-file", str(unlabelled)])  # fmt: skip
    assert np.isfinite(metrics["train_losses"]).all()


def test_finetune_swag_from_a_pretrainer_starts_from_its_nsp_head(
    tiny_model, tmp_path, capsys  # noqa: F811
):
    from kbert.models import BertPretrainer
    from kbert.saving import load_model

    pretrainer = BertPretrainer(load_model(tiny_model))
    kernel = np.random.default_rng(2).normal(size=(16, 2)).astype("float32")
    bias = np.array([0.3, -0.2], "float32")
    pretrainer.nsp_head.dense.set_weights([kernel, bias])
    is_next_log_odds = kernel[:, :1] - kernel[:, 1:]
    pretrainer_path = tmp_path / "pretrainer.keras"
    pretrainer.save(pretrainer_path)
    output = tmp_path / "swag"
    argv = ["finetune", "swag", "--train-file", str(swag_file(tmp_path))]
    argv += ["--eval-file", str(swag_file(tmp_path)), "--output", str(output)]
    argv += ["--sequence-length", "24", "--epochs", "1", "--verbose", "0"]
    # A step too small to move the head: the saved head is where it started.
    argv += ["--learning-rate", "1e-9"]

    def choice_weights():
        model = load_model(str(output / "model.keras"))
        return [np.asarray(w) for w in model.choice_dense.get_weights()]

    assert main([*argv, "--model", str(pretrainer_path)]) == 0
    started = "The choice score starts as the model file's next-sentence head"
    assert started in capsys.readouterr().out
    choice_kernel, choice_bias = choice_weights()
    np.testing.assert_allclose(choice_kernel, is_next_log_odds, atol=1e-6)
    np.testing.assert_allclose(choice_bias, [0.5], atol=1e-6)
    # A backbone file has no such head: the score starts fresh.
    assert main([*argv, "--model", tiny_model]) == 0
    assert started not in capsys.readouterr().out
    choice_kernel, _ = choice_weights()
    assert np.abs(choice_kernel - is_next_log_odds).max() > 0.1


def test_evaluate_swag_on_a_pretrainer_ranks_by_next_sentence_prediction(
    tiny_model, tmp_path, capsys  # noqa: F811
):
    from kbert.models import BertPretrainer
    from kbert.saving import load_model
    from kbert.text import BertTokenizer

    backbone = load_model(tiny_model)
    pretrainer = BertPretrainer(backbone)
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(16, 2))
    pretrainer.nsp_head.dense.set_weights([kernel, np.zeros(2)])
    path = tmp_path / "pretrainer.keras"
    pretrainer.save(path)
    words = "the a cat dog sat ran on under mat park red blue old new".split()
    rows = [
        f"v{i},{i},x,{words[i]} {words[i + 1]} sat.,It,gold,"
        + ",".join(f"{words[(i + k) % 14]} {words[(3 * i + k) % 14]}."
                   for k in range(4))  # fmt: skip
        + f",{i % 4}\n"
        for i in range(12)
    ]
    dev = swag_file(tmp_path, rows)
    capsys.readouterr()
    assert main(["evaluate", "swag", "--model", str(path), "--eval-file",
                 str(dev), "--sequence-length", "24"]) == 0  # fmt: skip
    metrics = json.loads(capsys.readouterr().out)

    tokenizer = BertTokenizer(backbone.vocabulary)
    features, labels = multiple_choice_features(read_swag(dev), tokenizer, 24)
    flat = {name: value.reshape(-1, 24) for name, value in features.items()}
    flat["mask_positions"] = np.ones((len(rows) * 4, 1), "int32")
    nsp = np.asarray(pretrainer.predict(flat, verbose=0)["nsp"])
    chosen = (nsp[:, 0] - nsp[:, 1]).reshape(-1, 4).argmax(-1)
    assert metrics["accuracy"] == 100.0 * np.mean(chosen == labels)
    assert metrics["eval_examples"] == len(rows)

