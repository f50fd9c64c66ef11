"""Every line of the bundled corpora, as the tokenizer tests read them."""

import csv
import gzip
import json
from pathlib import Path

csv.field_size_limit(1 << 30)


def _open(path):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _lines(path):
    with _open(path) as file:
        # Lines end at "\n" only; "\r" of CRLF files stays in the text.
        return file.read().split("\n")


def gutenberg(data):
    lines = []
    for path in sorted((data / "gutenberg").rglob("*.txt.gz")):
        lines.extend(_lines(path))
    return lines


def wikitext(data):
    return _lines(data / "wikitext-2" / "wiki.valid.tokens.gz") + _lines(
        data / "wikitext-2" / "wiki.test.tokens.gz"
    )


def squad(data):
    with _open(data / "squad_v1.1" / "dev-v1.1.json.gz") as file:
        articles = json.load(file)["data"]
    lines = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            lines.append(paragraph["context"])
            lines.extend(qa["question"] for qa in paragraph["qas"])
    return lines


def conll(data):
    sentences = []
    for name in ("train.txt.gz", "valid.txt", "test.txt"):
        words = []
        for line in _lines(data / "conll2003" / name) + [""]:
            if not line.strip():
                if words:
                    sentences.append(" ".join(words))
                words = []
            elif not line.startswith("-DOCSTART-"):
                words.append(line.split(" ")[0])
    return sentences


# task -> (files, sentence columns, has header)
_GLUE = {
    "SST-2": (("train.tsv.gz", "dev.tsv"), (0,), True),
    "MRPC": (("train.tsv", "dev.tsv"), (3, 4), True),
    "RTE": (("train.tsv", "dev.tsv"), (1, 2), True),
    "QNLI": (("dev.tsv.gz",), (1, 2), True),
    "STS-B": (("train.tsv", "dev.tsv"), (7, 8), True),
    "CoLA": (("train.tsv", "dev.tsv"), (3,), False),
}


def glue(data):
    sentences = []
    for task, (files, columns, header) in _GLUE.items():
        for name in files:
            with _open(data / "glue" / task / name) as file:
                rows = list(csv.reader(file, delimiter="\t",
                                       quoting=csv.QUOTE_NONE))
            for row in rows[1:] if header else rows:
                sentences.extend(row[c] for c in columns if c < len(row))
    return sentences


CORPORA = {
    "gutenberg": gutenberg,
    "wikitext": wikitext,
    "squad": squad,
    "conll": conll,
    "glue": glue,
}
