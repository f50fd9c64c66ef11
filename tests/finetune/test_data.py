import collections
import json

import numpy as np
import pytest

from kbert.data.conll import (
    CONLL_LABELS,
    conll_features,
    read_conll,
    tags_from_logits,
    to_iob2,
)
from kbert.data.glue import GlueExample, glue_features, read_glue
from kbert.data.squad import (
    one_example_per_answer,
    read_squad,
    squad_examples,
    squad_features,
    unanswerable_examples,
)
from kbert.evaluation import decode_answers, extract_entities
from kbert.text import BertTokenizer

# A hand-made vocabulary, so expected ids are known without the code under
# test: id = position in this list.
VOCABULARY = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",  # 0-4
    "the", "cat", "sat", "on", "mat",  # 5-9
    "where", "did", "?", "eu", "re",  # 10-14
    "##jects", "ger", "##man", ".", "a",  # 15-19
]  # fmt: skip


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCABULARY)


@pytest.fixture(scope="module")
def uncased(shared_data_path):
    return BertTokenizer(
        str(shared_data_path / "bert_vocab" / "bert-base-uncased-vocab.txt")
    )


@pytest.fixture(scope="module")
def shared_data_path():
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    return SHARED_DATA


# --- GLUE ------------------------------------------------------------------

GLUE_DEV = {
    # task: (file, rows, {label id: count})
    "sst2": ("SST-2/dev.tsv", 872, {1: 444, 0: 428}),
    "mrpc": ("MRPC/dev.tsv", 408, {1: 279, 0: 129}),
    "rte": ("RTE/dev.tsv", 277, {0: 146, 1: 131}),  # 0 = entailment
    "qnli": ("QNLI/dev.tsv.gz", 5463, {1: 2761, 0: 2702}),
    "cola": ("CoLA/dev.tsv", 1043, {1: 721, 0: 322}),
}


@pytest.mark.parametrize("task", sorted(GLUE_DEV))
def test_glue_dev_files_read_with_the_published_counts(task, shared_data):
    file, rows, counts = GLUE_DEV[task]
    examples = read_glue(task, shared_data / "glue" / file)
    assert len(examples) == rows
    assert dict(collections.Counter(e.label for e in examples)) == counts
    pairs = task in ("mrpc", "rte", "qnli")
    assert all((e.text_b is not None) == pairs for e in examples)


def test_glue_quirks_on_the_real_files(shared_data):
    stsb = read_glue("stsb", shared_data / "glue" / "STS-B" / "dev.tsv")
    assert len(stsb) == 1500
    assert stsb[0].label == 5.0 and isinstance(stsb[0].label, float)
    assert min(e.label for e in stsb) == 0.0
    assert max(e.label for e in stsb) == 5.0
    # No CSV quoting: the stray quote of row 764 stays in the text.
    assert '"' in stsb[764].text_a + stsb[764].text_b
    mrpc = read_glue("mrpc", shared_data / "glue" / "MRPC" / "train.tsv")
    assert len(mrpc) == 3668
    assert mrpc[0].text_a.startswith("Amrozi accused his brother")
    cola = read_glue("cola", shared_data / "glue" / "CoLA" / "dev.tsv")
    # The last line has no newline and is still read whole.
    assert cola[-1] == GlueExample(
        "John talked to Bill about himself.", None, 1
    )
    assert len(cola) == 1043


def test_glue_reader_handles_bom_no_header_and_no_trailing_newline(
    tmp_path,
):
    mrpc = tmp_path / "mrpc.tsv"
    mrpc.write_text(
        "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
        '1\t1\t2\t"Quoted start\tsecond one\n',
        encoding="utf-8",
    )
    assert read_glue("mrpc", mrpc) == [
        GlueExample('"Quoted start', "second one", 1)
    ]
    cola = tmp_path / "cola.tsv"
    cola.write_text("src\t0\t*\tBad sentence .\nsrc\t1\t\tGood one .")
    assert read_glue("cola", cola) == [
        GlueExample("Bad sentence .", None, 0),
        GlueExample("Good one .", None, 1),
    ]


@pytest.mark.parametrize(
    "task, content, message",
    [
        ("sst2", "sentence\tlabel\ngood\t2\n", r"line 2: label '2' is not"),
        ("rte", "i\ta\tb\tl\n0\tx\ty\tmaybe\n", "label 'maybe' is not"),
        ("sst2", "sentence\tlabel\n \t1\n", "line 2: empty sentence"),
        ("sst2", "sentence\tlabel\na\tb\t1\n", "expected 2 .* found 3"),
        (
            "stsb",
            "h\n" + "\t".join(["x"] * 9) + "\thigh\n",
            "score must be a number; found 'high'",
        ),
    ],
)
def test_glue_bad_input_names_the_problem(tmp_path, task, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_glue(task, path)
    with pytest.raises(ValueError, match="Unknown GLUE task 'mnli'"):
        read_glue("mnli", path)


def test_glue_features_pack_and_truncate_longest_first(tokenizer):
    examples = [
        GlueExample("the cat sat on the mat", "where did the cat sit", 1),
        GlueExample("a cat", "", 0),
    ]
    features, labels = glue_features(examples, tokenizer, sequence_length=10)
    # A has 6 tokens, B 5 ("sit" is [UNK]); 7 fit: A keeps 4, B keeps 3.
    assert features["token_ids"].tolist() == [
        [2, 5, 6, 7, 8, 3, 10, 11, 5, 3],
        [2, 19, 6, 3, 3, 0, 0, 0, 0, 0],
    ]
    assert features["segment_ids"].tolist() == [
        [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
        [0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    ]
    assert features["padding_mask"].tolist() == [
        [1] * 10,
        [1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    ]
    assert labels.tolist() == [1, 0] and labels.dtype == np.int32
    # An empty single sentence packs to its specials alone.
    features, labels = glue_features(
        [GlueExample("", None, 2.5)], tokenizer, sequence_length=4
    )
    assert features["token_ids"].tolist() == [[2, 3, 0, 0]]
    assert labels.dtype == np.float32


# --- CoNLL-2003 ------------------------------------------------------------


def test_conll_test_file_counts_and_iob1_matches_iob2(shared_data):
    folder = shared_data / "conll2003"
    iob2 = read_conll(folder / "test.txt")
    assert len(iob2) == 3453
    assert sum(len(words) for words, _ in iob2) == 46435
    assert sum(len(extract_entities(tags)) for _, tags in iob2) == 5648
    iob1 = read_conll(folder / "original_iob1" / "eng.testb", scheme="iob1")
    assert iob1 == iob2


def test_to_iob2():
    assert to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-LOC"]) == [
        "B-PER",
        "I-PER",
        "B-PER",
        "O",
        "B-LOC",
    ]
    assert to_iob2(["B-ORG", "I-ORG"]) == ["B-ORG", "I-ORG"]


def test_conll_features_label_first_pieces(tokenizer):
    sentences = [
        (["EU", "rejects", "German", "."], ["B-ORG", "O", "B-MISC", "O"]),
        (["the", "\u200b", "cat"], ["O", "O", "B-PER"]),
    ]
    features, labels, weights, positions = conll_features(
        sentences, tokenizer, sequence_length=8
    )
    # eu re ##jects ger ##man . ; the (zero-width space: no piece) cat
    assert features["token_ids"].tolist() == [
        [2, 13, 14, 15, 16, 17, 18, 3],
        [2, 5, 6, 3, 0, 0, 0, 0],
    ]
    ids = {tag: index for index, tag in enumerate(CONLL_LABELS)}
    assert labels.tolist() == [
        [0, ids["B-ORG"], ids["O"], 0, ids["B-MISC"], 0, ids["O"], 0],
        [0, ids["O"], ids["B-PER"], 0, 0, 0, 0, 0],
    ]
    assert weights.tolist() == [
        [0, 1, 1, 0, 1, 0, 1, 0],
        [0, 1, 1, 0, 0, 0, 0, 0],
    ]
    assert positions == [[1, 2, 4, 6], [1, -1, 2]]
    # Too long: words past the room get no position (predicted "O").
    _, _, weights, positions = conll_features(
        sentences[:1], tokenizer, sequence_length=5
    )
    assert positions == [[1, 2, -1, -1]]
    assert weights.sum() == 2


def test_tags_from_logits_reads_first_pieces():
    logits = np.zeros((1, 5, len(CONLL_LABELS)), "float32")
    logits[0, 1, 1] = 1.0  # B-PER
    logits[0, 2, 2] = 1.0  # I-PER (a continuation piece, ignored)
    logits[0, 3, 2] = 1.0  # I-PER
    assert tags_from_logits(logits, [[1, 3, -1]]) == [["B-PER", "I-PER", "O"]]


def test_conll_bad_input(tmp_path, tokenizer):
    path = tmp_path / "bad.txt"
    path.write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP B-VERB\n")
    with pytest.raises(ValueError, match="line 2: tag 'B-VERB' is not"):
        read_conll(path)
    path.write_text("EU NNP B-ORG\n")
    with pytest.raises(ValueError, match="line 1: expected 4 columns"):
        read_conll(path)
    with pytest.raises(ValueError, match="tag 'B-XYZ' is not in the label"):
        conll_features([(["the"], ["B-XYZ"])], tokenizer)


# --- SQuAD -----------------------------------------------------------------


def squad_json(context, question, answer, start):
    return {
        "version": "1.1",
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": context,
                        "qas": [
                            {
                                "id": "q1",
                                "question": question,
                                "answers": [
                                    {"text": answer, "answer_start": start}
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def test_squad_dev_split_by_articles(shared_data):
    path = shared_data / "squad_v1.1" / "dev-v1.1.json.gz"
    assert len(read_squad(path, slice(0, 24))) == 5696
    assert len(read_squad(path, slice(24, None))) == 4874


def test_every_distinct_gold_answer_becomes_a_training_target(tokenizer):
    context = "the cat sat on the mat ."
    dataset = squad_json(context, "where ?", "the mat", 15)
    question = dataset["data"][0]["paragraphs"][0]["qas"][0]
    question["answers"] += [
        {"text": "mat", "answer_start": 19},
        {"text": "the mat", "answer_start": 15},  # a repeat: one target
    ]
    examples = squad_examples(dataset)
    expanded = one_example_per_answer(examples)
    assert [e.answers for e in expanded] == [(("the mat", 15),), (("mat", 19),)]
    assert {e.id for e in expanded} == {"q1"}
    features = squad_features(expanded, tokenizer, sequence_length=16)
    # [CLS] where ? [SEP]: the context starts at position 4; "the mat" is
    # context tokens 4-5, "mat" token 5.
    assert features["start_positions"].tolist() == [8, 9]
    assert features["end_positions"].tolist() == [9, 9]
    # Without expansion only the first answer is a target.
    first = squad_features(examples, tokenizer, sequence_length=16)
    assert first["start_positions"].tolist() == [8]


def test_the_training_half_has_9738_distinct_gold_spans(shared_data):
    path = shared_data / "squad_v1.1" / "dev-v1.1.json.gz"
    examples = read_squad(path, slice(0, 24))
    expanded = one_example_per_answer(examples)
    assert len(expanded) == 9738
    assert len({e.id for e in expanded}) == 5696
    unanswered = examples[0].__class__("q", "who ?", "a b", ())
    assert one_example_per_answer([unanswered]) == [unanswered]


def article(*paragraphs):
    """A SQuAD article: (context, [(question id, answer text)]) pairs."""
    return {
        "title": "t",
        "paragraphs": [
            {
                "context": context,
                "qas": [
                    {
                        "id": qid,
                        "question": f"question {qid}?",
                        "answers": [
                            {"text": text, "answer_start": context.find(text)}
                        ],
                    }
                    for qid, text in questions
                ],
            }
            for context, questions in paragraphs
        ],
    }


def test_unanswerable_examples_pair_a_question_with_a_paragraph_lacking_it():
    dataset = {
        "data": [
            article(
                ("Paris is in France.", [("a", "Paris"), ("b", "France")]),
                ("PARIS hosted the games.", [("c", "games")]),
                ("Lyon is a city.", [("d", "Lyon")]),
            ),
            # One paragraph: no other paragraph to pair with.
            article(("Rome is old.", [("e", "Rome")])),
        ]
    }
    derived = unanswerable_examples(dataset, fraction=1.0, seed=0)
    pairs = {e.id: e.context for e in derived}
    # "a" (Paris) can only take the Lyon paragraph: the second one holds
    # "PARIS" (case-insensitive). "d" (Lyon) may take either other one.
    assert pairs["a-unanswerable"] == "Lyon is a city."
    assert pairs["b-unanswerable"] in ("PARIS hosted the games.",
                                       "Lyon is a city.")  # fmt: skip
    assert pairs["c-unanswerable"] in ("Paris is in France.",
                                       "Lyon is a city.")  # fmt: skip
    assert pairs["d-unanswerable"] != "Lyon is a city."
    assert sorted(pairs) == [f"{q}-unanswerable" for q in "abcd"]
    assert all(e.answers == () for e in derived)
    assert [e.question for e in derived] == [
        "question a?", "question b?", "question c?", "question d?"]
    assert unanswerable_examples(dataset, fraction=0.0) == []
    # A fraction draws about that share, the same for the same seed.
    many = {"data": [article(*[(f"Text {i}.", [(f"q{i}", f"Text {i}")])
                               for i in range(400)])]}  # fmt: skip
    half = unanswerable_examples(many, fraction=0.5, seed=1)
    assert 160 < len(half) < 240
    assert half == unanswerable_examples(many, fraction=0.5, seed=1)
    assert half != unanswerable_examples(many, fraction=0.5, seed=2)
    with pytest.raises(ValueError, match="fraction=1.5"):
        unanswerable_examples(dataset, fraction=1.5)


def test_squad_windows_map_answers_and_point_elsewhere_at_cls(tokenizer):
    context = "the cat sat on the mat ."
    examples = squad_examples(squad_json(context, "where ?", "the mat", 15))
    features = squad_features(
        examples, tokenizer, sequence_length=9, doc_stride=2
    )
    # [CLS] where ? [SEP] + 4 context tokens + [SEP]; 7 context tokens
    # (the cat sat on the mat .) in windows starting at 0, 2, 4.
    assert features["token_ids"].tolist() == [
        [2, 10, 12, 3, 5, 6, 7, 8, 3],
        [2, 10, 12, 3, 7, 8, 5, 9, 3],
        [2, 10, 12, 3, 5, 9, 18, 3, 0],
    ]
    assert features["segment_ids"][0].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert features["padding_mask"][2].tolist() == [1] * 8 + [0]
    # "the mat" is context tokens 4-5: absent from window 0 -> [CLS].
    assert features["start_positions"].tolist() == [0, 6, 4]
    assert features["end_positions"].tolist() == [0, 7, 5]
    assert features["example_index"].tolist() == [0, 0, 0]
    assert features["token_offsets"][1, 6].tolist() == [15, 18]
    assert features["token_offsets"][1, :4].tolist() == [[-1, -1]] * 4
    # Max context: tokens 0-2 in window 0, 3-4 in window 1 (token 3 "on"
    # ties between windows 0 and 1 ... min(3,0)=0 vs min(1,2)=1 -> 1),
    # 5-6 in window 2.
    assert features["max_context"].tolist() == [
        [0, 0, 0, 0, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 1, 1, 0, 0],
    ]


def test_squad_long_context_of_20000_characters(tokenizer):
    words = ("the cat sat on a mat . " * 900).split()
    context = " ".join(words)
    context = context[: 20000 - len(" where did ger man")]
    context = context.rsplit(" ", 1)[0] + " where did ger man"
    assert len(context) <= 20000
    start = context.index("ger man")
    examples = squad_examples(squad_json(context, "where ?", "ger man", start))
    features = squad_features(examples, tokenizer)
    assert features["token_ids"].shape[1] == 384
    assert len(features["token_ids"]) > 10
    holders = np.nonzero(features["start_positions"])[0]
    assert len(holders) >= 1 and holders[-1] == len(features["token_ids"]) - 1
    # Logits that point at the labelled span decode to the answer text.
    start_logits = np.zeros(features["token_ids"].shape, "float32")
    end_logits = np.zeros_like(start_logits)
    last = holders[-1]
    start_logits[last, features["start_positions"][last]] = 10.0
    end_logits[last, features["end_positions"][last]] = 10.0
    answers, _ = decode_answers([context], features, start_logits, end_logits)
    assert answers[0] == "ger man"


@pytest.mark.parametrize(
    "context, question, answer, start, message",
    [
        (
            "the cat sat",
            "where ?",
            "cat",
            0,
            "answer_start=0 does not match the answer text 'cat'; the "
            "context has 'the' there",
        ),
        ("the cat sat", " ", "cat", 4, "Question 'q1' is empty"),
        ("  ", "where ?", "", 0, "'q1' has an empty context"),
    ],
)
def test_squad_bad_input(context, question, answer, start, message):
    with pytest.raises(ValueError, match=message):
        squad_examples(squad_json(context, question, answer, start))


def test_squad_bad_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        read_squad(path)
    path.write_text(json.dumps({"version": "1.1"}))
    with pytest.raises(ValueError, match="`data` list"):
        read_squad(path)
    with pytest.raises(ValueError, match="No SQuAD file at '.*missing.json'"):
        read_squad(tmp_path / "missing.json")
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="broken.json.gz is not valid JSON"):
        read_squad(broken)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"data": ["caf\xe9"]}'.encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.json is not valid JSON"):
        read_squad(latin1)


def test_squad_answers_on_real_dev_map_back_through_offsets(
    shared_data, uncased
):
    path = shared_data / "squad_v1.1" / "dev-v1.1.json.gz"
    examples = read_squad(path, slice(0, 3))
    features = squad_features(examples, uncased)
    exact = total = 0
    for window in np.nonzero(features["start_positions"])[0]:
        example = examples[features["example_index"][window]]
        first = features["token_offsets"][
            window, features["start_positions"][window], 0
        ]
        last = features["token_offsets"][
            window, features["end_positions"][window], 1
        ]
        total += 1
        exact += example.context[first:last] == example.answers[0][0]
    assert total > 500
    # Answers that start or end inside a WordPiece ("gold" of "golden",
    # "8" of "18") cannot be cut exactly: 16 of 1,179 windows here.
    assert exact / total > 0.98
