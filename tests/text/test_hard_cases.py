"""Both tokenizers against Google's algorithm on hand-written hard cases."""

import pytest

from tests.text.conftest import google_ids, hf_ids, tokenizer_for

HARD_CASES = [
    "Hello, world!",
    "Crème brûlée à la café, naïve Zoë, Ångström, İstanbul, ΟΔΟΣ.",
    "e\u0301 combining acute, n\u0303o, A\u030a",  # decomposed accents
    "中文分词测试：北京大学。",  # CJK ideographs split one by one
    "日本語のテキストとカタカナ",  # kana are not split like ideographs
    "한국어 텍스트입니다",  # Hangul decomposes to jamo when uncased
    "हिन्दी पाठ नमस्ते",  # Devanagari with combining vowel signs
    "ภาษาไทยไม่มีช่องว่าง",  # Thai, no spaces
    "emoji 😀👍🏽 👨\u200d👩\u200d👧 ❤️ 🇩🇪",
    "ligatures ﬁ ﬂ ﬀ œuvre Æsop Ĳssel",
    "full width ＡＢＣ１２３！？ and ｶﾀｶﾅ",
    "control\x00nul\x01\x07bell\x1bescape\x7fdel\x85nel",
    "format\u200bzero\u200cwidth\u200djoin\u2060\ufeffbom\u00adsoft",
    "bidi \u202aembed\u202c \u200emark\u200f",
    "tab\tnewline\ncr\rcrlf\r\nend",
    "nbsp\u00a0thin\u2009ideo\u3000space\u2028line\u2029para",
    "ellipsis… ß straße Ǆ ǅ ǆ ² ½ ™ µ",
    "[MASK] [CLS] [SEP] [UNK] [PAD] are plain text here",
    "a" * 120,
    "b" * 100 + " " + "c" * 101,
    "é" * 60 + " " + "ü" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "https://example.com/path?q=1&x=2#frag user@example.org",
    "$3.50 £20 €1,000.00 ¥500 100% 3½",
    "quotes “double” ‘single’ «guillemets» „low“",
    "dashes – — ‐ and ellipsis ... and --",
    "",
    "   ",
    " \t \r\n ",
    "\u200b",
    "\ufffd replacement \ufffd",
    "Greek σ ς Σ, Turkish ı I i İ, German ẞ",
    "Arabic العربية مع التشكيل: كَتَبَ",
    "Hebrew עִבְרִית",
    "Math 𝐀𝐁𝐂 ∑ ∫ ≤ ≥ ≠",
]


@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_google_reference_agrees_with_tokenizers(vocab_paths, lowercase):
    # The two independent references agree on every hard case, so either
    # can stand for Google's behaviour below.
    expected = hf_ids(vocab_paths, lowercase, HARD_CASES)
    for text, hf in zip(HARD_CASES, expected):
        assert google_ids(vocab_paths, lowercase, text) == hf, text


@pytest.mark.parametrize("kind", ["fast", "core"])
@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_hard_cases_match_google(vocab_paths, kind, lowercase):
    tokenizer = tokenizer_for(kind, lowercase, vocab_paths)
    got = tokenizer.tokenize(HARD_CASES)["token_ids"].to_list()
    for text, ids in zip(HARD_CASES, got):
        assert ids == google_ids(vocab_paths, lowercase, text), text


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_known_bert_ids(vocab_paths, kind):
    # Ids of bert-base-uncased, as published in countless examples.
    uncased = tokenizer_for(kind, True, vocab_paths)
    assert uncased.encode("Hello, world!")["ids"] == [7592, 1010, 2088, 999]
    assert uncased.encode("[MASK]")["tokens"] == ["[", "mask", "]"]
    cased = tokenizer_for(kind, False, vocab_paths)
    assert cased.encode("Hello, world!")["tokens"] == [
        "Hello", ",", "world", "!"
    ]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_word_length_limit_counts_characters(vocab_paths, kind):
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    # 100 characters is allowed, 101 is [UNK]; "é" is 2 bytes, so a limit
    # in bytes (tensorflow-text's) would get the 60-character word wrong.
    assert tokenizer.encode("a" * 100)["tokens"][0] == "aaa"
    assert tokenizer.encode("a" * 101)["tokens"] == ["[UNK]"]
    assert tokenizer.encode("é" * 60)["tokens"][0] == "ee"
    assert tokenizer.encode("é" * 101)["tokens"] == ["[UNK]"]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_private_use_follows_google_not_tokenizers(vocab_paths, kind):
    # Google drops only Cc/Cf characters; `tokenizers` also drops private
    # use (Co). kbert follows Google: U+E000 is a word, hence [UNK].
    text = "a \ue000 b"
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    assert tokenizer.encode(text)["tokens"] == ["a", "[UNK]", "b"]
    assert google_ids(vocab_paths, True, text) == [1037, 100, 1038]
    assert hf_ids(vocab_paths, True, [text]) == [[1037, 1038]]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_lowercase_is_per_character(vocab_paths, kind):
    # No final-sigma rule (per-character lower-casing, as Google's original
    # Python 2 code and `tokenizers`): "ΟΔΟΣ" ends in "σ", not "ς".
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    assert tokenizer.encode("ΟΔΟΣ")["tokens"] == ["ο", "##δ", "##ο", "##σ"]
