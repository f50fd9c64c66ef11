"""Reading text files the way corpora arrive: gzipped or not, any newline."""

import gzip
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def read_text_file(path):
    """Reads a UTF-8 text file (`.gz` allowed) into a list of lines.

    CRLF and CR line endings become plain line breaks. Bytes that are not
    valid UTF-8 become U+FFFD (which BERT's text cleaning drops) and a
    warning names the file and the first offending line, so one bad byte does
    not stop a long corpus run.

    Args:
        path: a file path; names ending in `.gz` are decompressed.

    Returns:
        The lines, without their line endings.

    Example:
    >>> lines = read_text_file("corpus.txt")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such text file: {str(path)!r}")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        logger.warning(
            "%s: line %d is not valid UTF-8 (byte %d); undecodable bytes "
            "were replaced by U+FFFD.",
            path,
            data.count(b"\n", 0, error.start) + 1,
            error.start,
        )
    text = text.removeprefix("\ufeff")  # a byte-order mark is not text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line, it is not a line
    return lines


def iter_text_lines(path):
    """Yields the lines of a UTF-8 text file (`.gz` allowed) one at a time.

    What `read_text_file` returns, streamed: CRLF and CR endings are line
    breaks, a leading byte-order mark is dropped, invalid bytes become
    U+FFFD with one warning that names the first offending line.

    Args:
        path: a file path; names ending in `.gz` are decompressed.

    Yields:
        The lines, without their line endings.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such text file: {str(path)!r}")
    opener = gzip.open if path.name.endswith(".gz") else open
    warned = False
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = raw.decode("utf-8", errors="replace")
                if not warned:
                    warned = True
                    logger.warning(
                        "%s: line %d is not valid UTF-8 (byte %d of the "
                        "line); undecodable bytes were replaced by U+FFFD.",
                        path,
                        number,
                        error.start,
                    )
            if number == 1:
                text = text.removeprefix("\ufeff")
            text = text.removesuffix("\n").removesuffix("\r")
            # A lone CR (old Mac files) breaks lines too.
            yield from text.split("\r") if "\r" in text else (text,)
