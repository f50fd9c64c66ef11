"""Corpus readers: Gutenberg, WikiText, plain text, Google's format."""

import gzip
import logging

import pytest

from kbert import cli
from kbert.data import (
    read_corpus,
    read_gutenberg,
    read_plain_text,
    read_squad_contexts,
    read_text_file,
    read_wikitext,
    split_documents,
    split_sentences,
    strip_gutenberg_boilerplate,
    write_corpus,
)

# === Sentence splitting ===


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'Mr. Holmes sat down. "Well?" said he.',
            ["Mr. Holmes sat down.", '"Well?" said he.'],
        ),
        (
            "It was J. Smith.  Then it rained! Did it?  1905 came.",
            ["It was J. Smith.", "Then it rained!", "Did it?", "1905 came."],
        ),
        ("‘Oh dear!’ she said. (Quite so.) Fine", [
            "‘Oh dear!’ she said.", "(Quite so.)", "Fine"]),
        # WikiText spacing: the period stands alone.
        (
            "It is related to H. americanus . It grows .",
            ["It is related to H. americanus .", "It grows ."],
        ),
        ("no capital after. so one sentence", [
            "no capital after. so one sentence"]),
        ("  ", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


# === Gutenberg ===


def test_strip_gutenberg_boilerplate_handles_a_wrapped_start_marker():
    lines = [
        "The Project Gutenberg EBook of X",
        "*** START OF THIS PROJECT GUTENBERG EBOOK",
        "THE STRANGE CASE ***",
        "",
        "Body line.",
        "End of the Project Gutenberg EBook of X",
        "",
        "*** END OF THIS PROJECT GUTENBERG EBOOK X ***",
        "licence text",
    ]
    assert strip_gutenberg_boilerplate(lines) == ["", "Body line."]


def test_strip_gutenberg_boilerplate_rejects_a_file_without_markers():
    with pytest.raises(ValueError, match="Not a Project Gutenberg text"):
        strip_gutenberg_boilerplate(["just", "text"])


def test_read_gutenberg_on_a_real_book(shared_data):
    path = shared_data / "gutenberg" / (
        "carroll_alices_adventures_in_wonderland.txt.gz"
    )
    (book,) = read_gutenberg(path)
    assert book[:5] == [
        "ALICE’S ADVENTURES IN WONDERLAND",
        "Lewis Carroll",
        "THE MILLENNIUM FULCRUM EDITION 3.0",
        "CHAPTER I.",
        "Down the Rabbit-Hole",
    ]
    # Five hard-wrapped lines of the file re-joined into one sentence.
    assert book[5] == (
        "Alice was beginning to get very tired of sitting by her sister on "
        "the bank, and of having nothing to do: once or twice she had "
        "peeped into the book her sister was reading, but it had no "
        "pictures or conversations in it, ‘and what is the use of a book,’ "
        "thought Alice ‘without pictures or conversations?’"
    )
    assert book[-1] == "THE END"
    text = "\n".join(book)
    assert "Gutenberg" not in text  # header, footer and licence are gone
    assert "\r" not in text


# === WikiText ===


def test_read_wikitext_gives_one_document_per_article(shared_data):
    articles = read_wikitext(
        shared_data / "wikitext-2" / "wiki.test.tokens.gz"
    )
    # 60 articles; the two equation lines that look like titles are not.
    assert len(articles) == 60
    assert articles[0][0] == (
        "Robert <unk> is an English film , television and theatre actor ."
    )
    sentences = [s for article in articles for s in article]
    assert not any(" = " == s[:3] for s in sentences)  # headings dropped
    assert not any("@-@" in s or "@,@" in s or "@.@" in s for s in sentences)
    assert any("guest-starring" in s for s in articles[0])


# === SQuAD contexts ===


def test_read_squad_contexts_gives_one_document_per_article(shared_data):
    articles = read_squad_contexts(
        shared_data / "squad_v1.1" / "dev-v1.1.json.gz"
    )
    assert len(articles) == 48
    assert articles[0][:2] == [
        "Super Bowl 50 was an American football game to determine the "
        "champion of the National Football League (NFL) for the 2015 "
        "season.",
        "The American Football Conference (AFC) champion Denver Broncos "
        "defeated the National Football Conference (NFC) champion Carolina "
        "Panthers 24–10 to earn their third Super Bowl title.",
    ]


def test_read_squad_contexts_rejects_other_json(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"rows": []}')
    with pytest.raises(ValueError, match="Not a SQuAD JSON file"):
        read_squad_contexts(path)


# === Plain text and raw bytes ===


def test_read_plain_text_joins_wrapped_lines_and_splits(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"First line\r\nwraps here. Second one.\r\n\r\nThird.\r\n")
    assert read_plain_text(path) == [
        ["First line wraps here.", "Second one.", "Third."]
    ]


def test_empty_plain_text_gives_no_document(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n  \n")
    assert read_plain_text(path) == []


def test_invalid_utf8_is_replaced_with_a_warning(tmp_path, caplog):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nbad \xff\xfe byte\n")
    with caplog.at_level(logging.WARNING):
        lines = read_text_file(path)
    assert lines == ["good line", "bad \ufffd\ufffd byte"]
    assert "line 2 is not valid UTF-8" in caplog.text


def test_read_text_file_reads_gzip_and_names_a_missing_file(tmp_path):
    path = tmp_path / "a.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\ufeffone\ntwo")
    assert read_text_file(path) == ["one", "two"]
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        read_text_file(tmp_path / "nope.txt")


# === Google's format ===


def test_corpus_round_trip_skips_empty_documents(tmp_path):
    path = tmp_path / "corpus.txt"
    counts = write_corpus([["One.", "Two  words."], [], ["", "Three."]], path)
    assert counts == (2, 3)
    assert path.read_text() == "One.\nTwo words.\n\nThree.\n"
    assert read_corpus(path) == [["One.", "Two words."], ["Three."]]


def test_read_corpus_treats_runs_of_blank_lines_as_one_break(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n\nA.\nB.\n\n\n\nC.\n\n")
    assert read_corpus(path) == [["A.", "B."], ["C."]]


def test_corpus_command_writes_googles_format(tmp_path, shared_data, capsys):
    output = tmp_path / "corpus.txt"
    status = cli.main([
        "corpus",
        "--source", "wikitext",
        "--input", str(shared_data / "wikitext-2" / "wiki.valid.tokens.gz"),
        "--output", str(output),
    ])
    assert status == 0
    documents = read_corpus(output)
    assert len(documents) == 60
    assert documents[0][0].startswith("Homarus gammarus , known as")
    assert "wrote 60 documents" in capsys.readouterr().out


@pytest.mark.parametrize("max_sentences", [2, 3, 4, 7])
@pytest.mark.parametrize("length", [1, 2, 4, 5, 10, 21])
def test_split_documents_cuts_near_equal_pieces_in_order(
    length, max_sentences
):
    document = [f"S{i}." for i in range(length)]
    pieces = split_documents([document, ["Other."]], max_sentences)
    assert pieces[-1] == ["Other."]
    pieces = pieces[:-1]
    assert sum(pieces, []) == document
    # The fewest pieces that fit, sizes within one of each other.
    assert len(pieces) == -(-length // max_sentences)
    sizes = [len(piece) for piece in pieces]
    assert max(sizes) <= max_sentences
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("bad", [1, 0, 2.5, True, None])
def test_split_documents_rejects_a_bad_size(bad):
    with pytest.raises(ValueError, match=f"max_sentences={bad!r}"):
        split_documents([["A.", "B."]], bad)


def test_corpus_command_cuts_books_into_pieces(tmp_path, shared_data, capsys):
    book = str(shared_data / "gutenberg" / "wells_time_machine.txt.gz")
    whole, pieces = tmp_path / "whole.txt", tmp_path / "pieces.txt"
    base = ["corpus", "--source", "gutenberg", "--input", book]
    assert cli.main(base + ["--output", str(whole)]) == 0
    assert cli.main(
        base + ["--output", str(pieces), "--max-document-sentences", "200"]
    ) == 0
    [sentences] = read_corpus(whole)
    documents = read_corpus(pieces)
    assert len(documents) == -(-len(sentences) // 200)
    sizes = [len(document) for document in documents]
    assert max(sizes) <= 200
    assert max(sizes) - min(sizes) <= 1  # near-equal, no short tail
    assert sum(documents, []) == sentences
    assert f"wrote {len(documents)} documents" in capsys.readouterr().out
    status = cli.main(
        base + ["--output", str(pieces), "--max-document-sentences", "1"]
    )
    assert status == 1
    error = capsys.readouterr().err
    assert "--max-document-sentences" in error and "max_sentences=1" in error


def test_corpus_command_reports_a_bad_gutenberg_file(tmp_path, capsys):
    path = tmp_path / "not_a_book.txt"
    path.write_text("hello\n")
    status = cli.main([
        "corpus", "--source", "gutenberg", "--input", str(path),
        "--output", str(tmp_path / "out.txt"),
    ])
    assert status == 1
    assert "Not a Project Gutenberg text" in capsys.readouterr().err
