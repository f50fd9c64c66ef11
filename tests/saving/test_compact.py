"""Compact `.keras` files (`kbert.saving.compact`): float16 and int8
weights without optimizer state, loaded back in safe mode."""

import zipfile

import numpy as np
import pytest

from tests.conftest import tiny_uncased_backbone


def test_quantize_blocks_on_hand_made_rows():
    from kbert.saving.compact import dequantize_blocks, quantize_blocks

    # Rows of 3 (not a multiple of 64): one scale per row.
    values = np.array(
        [[0.5, -1.0, 0.25], [0.0, 0.0, 0.0], [2.54, 0.0, -1.27]], "float32"
    )
    quantized, scale = quantize_blocks(values)
    # Largest magnitude -> 127; halves round to even (63.5 -> 64).
    np.testing.assert_allclose(scale, [[1 / 127], [1.0], [0.02]], rtol=1e-6)
    np.testing.assert_array_equal(
        quantized, [[64, -127, 32], [0, 0, 0], [127, 0, -64]]
    )
    assert quantized.dtype == np.int8
    np.testing.assert_allclose(
        dequantize_blocks(quantized, scale),
        [[64 / 127, -1.0, 32 / 127], [0, 0, 0], [2.54, 0, -1.28]],
        rtol=1e-6,
    )
    # A row of 128: two blocks of 64, each with its own scale.
    row = np.zeros((1, 128), "float32")
    row[0, 3], row[0, 70], row[0, 71] = 1.27, -2.54, 0.01
    quantized, scale = quantize_blocks(row)
    np.testing.assert_allclose(scale, [[0.01, 0.02]], rtol=1e-6)
    assert (quantized[0, 3], quantized[0, 70], quantized[0, 71]) == (
        127,
        -127,
        0,  # 0.01 is half a step of 0.02: rounds to even
    )
    assert np.count_nonzero(quantized) == 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny pretrainer after one AdamW step, saved with its optimizer."""
    import keras

    from kbert.models import BertPretrainer

    keras.utils.set_random_seed(7)
    model = BertPretrainer(tiny_uncased_backbone(max_sequence_length=16))
    model.compile(optimizer=keras.optimizers.AdamW(1e-3))
    rng = np.random.default_rng(0)
    x = {
        "token_ids": rng.integers(1000, 2000, (4, 16)).astype("int32"),
        "segment_ids": np.zeros((4, 16), "int32"),
        "padding_mask": np.ones((4, 16), "int32"),
        "mask_positions": np.tile(np.array([1, 5], "int32"), (4, 1)),
    }
    y = {
        "mlm": rng.integers(1000, 2000, (4, 2)).astype("int32"),
        "nsp": np.array([0, 1, 0, 1], "int32"),
    }
    weights = {"mlm": np.ones((4, 2), "float32"), "nsp": np.ones(4, "float32")}
    model.fit(x, y, sample_weight=weights, verbose=0)
    path = tmp_path_factory.mktemp("compact") / "trained.keras"
    model.save(path)
    return model, path, x


def _outputs(model, x):
    return {k: np.asarray(v) for k, v in model(x, training=False).items()}


def test_int8_file_is_smaller_loads_in_safe_mode_and_answers_alike(
    trained, tmp_path
):
    import keras

    from kbert.saving import load_model
    from kbert.saving.compact import save_compact

    model, path, x = trained
    int8_size = save_compact(path, tmp_path / "int8.keras", dtype="int8")
    float16_size = save_compact(path, tmp_path / "f16.keras")
    assert int8_size < 0.65 * float16_size
    assert float16_size < 0.4 * path.stat().st_size  # no AdamW moments

    loaded = load_model(str(tmp_path / "int8.keras"))
    assert type(loaded).__name__ == "BertPretrainer"
    assert loaded.backbone.vocabulary == model.backbone.vocabulary
    for original, widened in zip(model.weights, loaded.weights):
        original = np.asarray(original)
        widened = np.asarray(widened)
        assert widened.dtype == np.float32
        if original.ndim >= 2:  # int8: within half a step of its block's
            length = original.shape[-1]
            size = 64 if length % 64 == 0 else length  # (NSP kernel: 2)
            blocks = original.reshape(-1, size)
            step = np.abs(blocks).max(axis=1) / 127
            error = np.abs(widened - original).reshape(-1, size)
            assert (error <= step[:, None] / 2 + 1e-7).all()
        else:  # float16 (values under its smallest step, 6e-8, flush)
            np.testing.assert_allclose(widened, original, rtol=1e-3, atol=6e-8)
    expected, got = _outputs(model, x), _outputs(loaded, x)
    for name in expected:
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(got[name], expected[name], atol=0.02 * scale)
    # The optimizer state is gone; plain Keras refuses the int8 file
    # instead of loading integers as weights.
    with pytest.raises(ValueError, match="model.weights.h5"):
        keras.saving.load_model(tmp_path / "int8.keras")
    with zipfile.ZipFile(tmp_path / "int8.keras") as archive:
        assert "model.weights.h5" not in archive.namelist()


def test_float16_file_is_a_plain_keras_file(trained, tmp_path):
    import keras

    import kbert.models  # noqa: F401
    from kbert.saving.compact import save_compact

    model, path, x = trained
    save_compact(path, tmp_path / "f16.keras")
    loaded = keras.saving.load_model(tmp_path / "f16.keras")  # safe mode
    expected, got = _outputs(model, x), _outputs(loaded, x)
    for name in expected:
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(
            got[name], expected[name], atol=0.005 * scale
        )


def test_a_task_model_runner_reads_an_int8_file(trained, tmp_path):
    from kbert.saving.compact import save_compact
    from kbert.training.finetuning import load_backbone

    _, path, _ = trained
    save_compact(path, tmp_path / "int8.keras", dtype="int8")
    backbone, tokenizer, loaded = load_backbone(str(tmp_path / "int8.keras"))
    assert type(loaded).__name__ == "BertPretrainer"
    # BERT's uncased ids for "hello world".
    assert tokenizer.encode("hello world")["ids"] == [7592, 2088]


def test_bad_compact_requests_name_the_problem(trained, tmp_path):
    from kbert.saving import load_model
    from kbert.saving.compact import save_compact, widen_compact

    _, path, _ = trained
    with pytest.raises(ValueError, match="dtype='int4'"):
        save_compact(path, tmp_path / "x.keras", dtype="int4")
    with pytest.raises(ValueError, match="elsewhere"):
        save_compact(path, path)
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="corrupt.keras is not a readable"):
        save_compact(corrupt, tmp_path / "x.keras")
    with pytest.raises(ValueError, match="missing.keras is not a readable"):
        save_compact(tmp_path / "missing.keras", tmp_path / "x.keras")
    save_compact(path, tmp_path / "f16.keras")
    with pytest.raises(ValueError, match="not an int8 compact file"):
        widen_compact(tmp_path / "f16.keras", tmp_path / "x.keras")
    # An int8 file whose scales were lost is reported, not loaded wrong.
    save_compact(path, tmp_path / "int8.keras", dtype="int8")
    _drop_scales(tmp_path / "int8.keras", tmp_path / "broken.keras")
    with pytest.raises(ValueError, match="broken.keras is a corrupt int8"):
        load_model(str(tmp_path / "broken.keras"))


def _drop_scales(source, target):
    import h5py

    from kbert.saving.compact import INT8_WEIGHTS, SCALES

    folder = target.parent / "broken"
    with zipfile.ZipFile(source) as archive:
        archive.extractall(folder)
    with h5py.File(folder / INT8_WEIGHTS, "a") as weights:
        del weights[SCALES]
    with zipfile.ZipFile(target, "w") as out:
        for file in folder.rglob("*"):
            if file.is_file():
                out.write(file, file.relative_to(folder))


def test_an_int8_file_with_a_decompression_bomb_is_refused_unopened(
    trained, tmp_path
):
    from kbert.saving import load_model
    from kbert.saving.compact import save_compact, widen_compact

    _, path, _ = trained
    bomb = tmp_path / "bomb.keras"
    save_compact(path, bomb, dtype="int8")
    size = bomb.stat().st_size
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("assets/padding.bin", "w", force_zip64=True) as out:
            for _ in range(257):  # MiB, over the 256 MiB floor
                out.write(zeros)
    # 257 MiB declared, well under 1 MiB more stored.
    assert bomb.stat().st_size - size < 1 << 20
    with pytest.raises(ValueError, match="'assets/padding.bin' declares"):
        load_model(str(bomb))
    with pytest.raises(ValueError, match="bomb.keras is refused"):
        widen_compact(bomb, tmp_path / "widened.keras")
    assert not (tmp_path / "widened.keras").exists()
