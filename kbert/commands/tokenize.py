"""Tokenize stdin lines into JSON (ids, tokens, offsets, word ids)."""

import json
import sys

import tensorflow as tf

from kbert.text import BertTokenizer
from kbert.text.pack_segments import pack_for

_BATCH = 1024


def add_arguments(parser):
    parser.add_argument("--vocab", required=True, help="path to vocab.txt")
    parser.add_argument(
        "--cased",
        action="store_true",
        help="cased vocabulary: keep case and accents",
    )
    parser.add_argument(
        "--pair",
        action="store_true",
        help="each line is A<TAB>B; print packed ids and segment ids",
    )


def _read_lines(stream):
    # Lines end at "\n" only (U+2028 and friends are text); a trailing "\r"
    # is whitespace to the tokenizer anyway. Invalid UTF-8 becomes U+FFFD.
    data = stream.read().decode("utf-8", errors="replace")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def run(args):
    try:
        tokenizer = BertTokenizer(args.vocab, lowercase=not args.cased)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(str(error)) from None
    lines = _read_lines(sys.stdin.buffer)
    out = sys.stdout
    for start in range(0, len(lines), _BATCH):
        batch = lines[start : start + _BATCH]
        if args.pair:
            for line in _pairs(tokenizer, batch):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        for encoding in tokenizer.encode_batch(batch):
            out.write(json.dumps(encoding, ensure_ascii=False) + "\n")


def _pairs(tokenizer, batch):
    firsts, seconds = [], []
    for number, line in enumerate(batch):
        if "\t" not in line:
            raise SystemExit(
                f"--pair expects A<TAB>B on every line; line {number + 1} "
                f"has no tab: {line[:80]!r}"
            )
        first, second = line.split("\t", 1)
        firsts.append(first)
        seconds.append(second)
    ids_a = tokenizer.tokenize(firsts)["token_ids"]
    ids_b = tokenizer.tokenize(seconds)["token_ids"]
    longest = int(tf.reduce_max(ids_a.row_lengths() + ids_b.row_lengths()))
    packed = pack_for(
        tokenizer,
        ids_a,
        ids_b,
        sequence_length=longest + 3,
    )
    masks = packed["padding_mask"].numpy()
    for ids, segments, mask in zip(
        packed["token_ids"].numpy(), packed["segment_ids"].numpy(), masks
    ):
        length = int(mask.sum())
        yield {
            "ids": ids[:length].tolist(),
            "segment_ids": segments[:length].tolist(),
        }
