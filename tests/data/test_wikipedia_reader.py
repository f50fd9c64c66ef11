"""The Wikipedia reader and `kbert corpus --source wikipedia`, on hand-made
gzip files in the format of `../shared/data/wikipedia`."""

import gzip

import pytest

from kbert import cli
from kbert.data import read_corpus, read_wikipedia

ARTICLES = (
    # Two paragraphs, the first of two sentences, an abbreviation inside.
    "Anarchism is a political philosophy. Mr. Godwin wrote on it.\n"
    "It has many schools!\n"
    "\n"
    # A run of blank lines is one boundary; surrounding spaces are dropped.
    "\n"
    "  Autism is a disorder. Is it common? Yes.  \n"
    "\n"
    "Albedo is reflectivity.\n"
)
EXPECTED = [
    [
        "Anarchism is a political philosophy.",
        "Mr. Godwin wrote on it.",
        "It has many schools!",
    ],
    ["Autism is a disorder.", "Is it common?", "Yes."],
    ["Albedo is reflectivity."],
]


def write_gzip(path, data):
    with gzip.open(path, "wb") as handle:
        handle.write(data)
    return path


def test_articles_become_documents_of_sentences(tmp_path):
    path = write_gzip(tmp_path / "part.txt.gz", ARTICLES.encode("utf-8"))
    assert list(read_wikipedia(path)) == EXPECTED


def test_reads_uncompressed_text_too(tmp_path):
    path = tmp_path / "part.txt"
    path.write_text(ARTICLES, encoding="utf-8")
    assert list(read_wikipedia(path)) == EXPECTED


def test_articles_are_streamed_one_at_a_time(tmp_path):
    # The first article comes out before the invalid line of the third is
    # read: the reader never holds the file whole.
    data = ARTICLES.encode("utf-8").replace(b"Albedo", b"Alb\xffedo")
    articles = read_wikipedia(write_gzip(tmp_path / "p.txt.gz", data))
    assert next(articles) == EXPECTED[0]
    assert next(articles) == EXPECTED[1]
    with pytest.raises(
        ValueError, match=r"line 7 is not valid UTF-8.*b'\\xff'"
    ):
        next(articles)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n"])
def test_a_file_without_text_is_an_error(tmp_path, data):
    path = write_gzip(tmp_path / "empty.txt.gz", data)
    with pytest.raises(
        ValueError, match="empty.txt.gz: the file holds no text"
    ):
        list(read_wikipedia(path))


def test_a_corrupt_gzip_file_is_an_error(tmp_path):
    whole = gzip.compress(ARTICLES.encode("utf-8") * 50)
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        ValueError, match="cut.txt.gz: the gzip data is corrupt"
    ):
        list(read_wikipedia(path))


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.txt.gz"):
        next(read_wikipedia(tmp_path / "nothing.txt.gz"))


def corpus_command(inputs, output, *flags):
    """`python -m kbert corpus --source wikipedia` on `inputs`."""
    return cli.main(
        ["corpus", "--source", "wikipedia", "--input", *map(str, inputs),
         "--output", str(output), *flags]  # fmt: skip
    )


def test_corpus_command_writes_googles_format(tmp_path, capsys):
    first = write_gzip(tmp_path / "a.txt.gz", ARTICLES.encode("utf-8"))
    second = write_gzip(
        tmp_path / "b.txt.gz", b"Zinc is a metal. It is grey.\n"
    )
    output = tmp_path / "corpus.txt"
    code = corpus_command([first, second], output)
    assert code == 0
    assert read_corpus(output) == [
        *EXPECTED,
        ["Zinc is a metal.", "It is grey."],
    ]
    captured = capsys.readouterr()
    assert "wrote 4 documents, 9 sentences" in captured.out
    assert "documents read: 4" in captured.err  # the progress line


def test_corpus_command_cuts_articles(tmp_path):
    path = write_gzip(tmp_path / "a.txt.gz", ARTICLES.encode("utf-8"))
    output = tmp_path / "corpus.txt"
    code = corpus_command([path], output, "--max-document-sentences", "2")
    assert code == 0
    assert read_corpus(output) == [
        EXPECTED[0][:2],
        EXPECTED[0][2:],
        EXPECTED[1][:2],
        EXPECTED[1][2:],
        EXPECTED[2],
    ]


def test_corpus_command_error_names_the_file_and_keeps_the_old_output(
    tmp_path, capsys
):
    good = write_gzip(tmp_path / "good.txt.gz", ARTICLES.encode("utf-8"))
    bad = write_gzip(tmp_path / "bad.txt.gz", b"Fine line.\n\nBad \xfe.\n")
    output = tmp_path / "corpus.txt"
    output.write_text("an earlier corpus\n", encoding="utf-8")
    code = corpus_command([good, bad], output)
    assert code == 1
    err = capsys.readouterr().err
    assert "bad.txt.gz" in err and "line 3 is not valid UTF-8" in err
    # Nothing half-written: the earlier file is untouched, no temporary left.
    assert output.read_text(encoding="utf-8") == "an earlier corpus\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.txt.gz",
        "corpus.txt",
        "good.txt.gz",
    ]


def test_corpus_command_refuses_a_bad_piece_size_before_reading(
    tmp_path, capsys
):
    output = tmp_path / "corpus.txt"
    code = corpus_command(
        [tmp_path / "no.gz"], output, "--max-document-sentences", "1"
    )
    assert code == 1
    assert "max_sentences=1" in capsys.readouterr().err
    assert not output.exists()
