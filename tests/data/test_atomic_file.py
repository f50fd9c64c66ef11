"""`atomic_write`: the file appears whole or not at all."""

import pytest

from kbert.data.atomic_file import atomic_write


def test_the_file_appears_only_when_complete(tmp_path):
    path = tmp_path / "vocab.txt"
    with atomic_write(path, encoding="utf-8") as file:
        file.write("[PAD]\n")
        assert not path.exists()  # nothing visible while writing
    assert path.read_text(encoding="utf-8") == "[PAD]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    path = tmp_path / "cache.npz"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_write(path, "wb") as file:
            file.write(b"half")
            raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.npz"]
