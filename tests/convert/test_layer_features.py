"""`python -m kbert features` on the real MiniLM against Hugging Face's
`BertModel(output_hidden_states=True)` (tests/fixtures)."""

import json

import numpy as np
import pytest

from kbert.cli import main


def features(model, lines, tmp_path, *flags):
    source = tmp_path / "lines.txt"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    output = tmp_path / "features.jsonl"
    code = main(
        ["features", "--model", str(model), "--input", str(source),
         "--output", str(output), *flags]  # fmt: skip
    )
    return code, output


def test_every_layer_of_every_token_matches_hugging_face(
    minilm_keras_path, reference, tmp_path
):
    pairs = reference["metadata"]["pairs"]
    code, output = features(
        minilm_keras_path,
        [f"{a} ||| {b}" for a, b in pairs],
        tmp_path,
        "--layers=-1,-2,-3,-4,-5,-6", "--batch-size", "2",
    )  # fmt: skip
    assert code == 0
    objects = [json.loads(line) for line in output.read_text().splitlines()]
    assert [o["linex_index"] for o in objects] == list(range(len(pairs)))
    hidden = reference["hidden_states"]  # (7, B, T, H): embeddings first
    worst = 0.0
    for row, item in enumerate(objects):
        length = int(reference["padding_mask"][row].sum())
        assert len(item["features"]) == length
        for position, token in enumerate(item["features"]):
            assert [layer["index"] for layer in token["layers"]] == [
                -1, -2, -3, -4, -5, -6]  # fmt: skip
            for layer in token["layers"]:
                want = hidden[7 + layer["index"], row, position]
                got = np.array(layer["values"])
                worst = max(worst, float(np.abs(got - want).max()))
                # Rounded to 6 decimals, as Google's script writes them.
                assert got.tolist() == [round(v, 6) for v in got.tolist()]
    print(f"max abs difference to Hugging Face: {worst:.2e}")
    assert worst < 1e-4
    first = [t["token"] for t in objects[0]["features"]]
    assert first == ["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".",
                     "[SEP]", "it", "was", "a", "sunny", "day", ".", "[SEP]"]


def test_single_texts_cut_to_the_length_and_bad_layers_named(
    minilm_keras_path, tmp_path, capsys
):
    code, output = features(
        minilm_keras_path,
        ["Hi.", "one two three four five six seven eight", ""],
        tmp_path,
        "--layers", "0", "--max-seq-length", "6",
    )  # fmt: skip
    assert code == 0
    tokens = [
        [t["token"] for t in json.loads(line)["features"]]
        for line in output.read_text().splitlines()
    ]
    assert tokens == [
        ["[CLS]", "hi", ".", "[SEP]"],
        ["[CLS]", "one", "two", "three", "four", "[SEP]"],
        ["[CLS]", "[SEP]"],
    ]
    capsys.readouterr()
    for layers, message in (
        ("6", "Layer index 6 is out of range: the model has 6 layers"),
        ("-7", "Layer index -7 is out of range"),
        ("-1,x", "comma-separated integers such as -1,-2,-3,-4. Received: "
                 "'-1,x'"),  # fmt: skip
    ):
        code, _ = features(
            minilm_keras_path, ["Hi."], tmp_path, f"--layers={layers}"
        )
        assert code == 2
        assert message in capsys.readouterr().err


@pytest.mark.parametrize("line, expected", [
    ("Who? ||| Me.", ("Who?", "Me.")),
    ("  no pair here  ", ("no pair here", None)),
    ("a|||b", ("a|||b", None)),  # Google's pattern needs the spaces
])  # fmt: skip
def test_pair_lines_split_as_googles_script(line, expected):
    from kbert.pipelines.layer_features import parse_line

    assert parse_line(line) == expected
