"""Distributed training matches single-device training step for step."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from kbert.training.distribution import resolve_distribution
from tests.conftest import REPO


def train(strategy, output, backend="tensorflow", extra_env=None, wait=True):
    env = {**os.environ, "KERAS_BACKEND": backend, **(extra_env or {})}
    command = [sys.executable, "-m", "tests.training.distributed_worker",
               strategy, str(output)]
    process = subprocess.Popen(command, cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    if wait:
        finish(process)
    return process


def finish(process):
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]


def results(path):
    saved = np.load(path)
    weights = [saved[f"w{i}"] for i in range(len(saved.files) - 2)]
    return saved["losses"], weights, int(saved["num_replicas"])


def assert_same_training(reference, other):
    losses, weights, _ = reference
    other_losses, other_weights, _ = other
    assert len(losses) == len(other_losses) == 6
    np.testing.assert_allclose(other_losses, losses, rtol=1e-5)
    for a, b in zip(weights, other_weights):
        np.testing.assert_allclose(b, a, atol=2e-5)


@pytest.fixture(scope="module")
def single_device(tmp_path_factory):
    path = tmp_path_factory.mktemp("single") / "single.npz"
    train("cpu", path)
    return results(path)


def test_mirrored_on_two_cpus_matches_one_device(single_device, tmp_path):
    train("mirrored", tmp_path / "mirrored.npz")
    mirrored = results(tmp_path / "mirrored.npz")
    assert mirrored[2] == 2
    assert_same_training(single_device, mirrored)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_on_localhost_match_one_device(single_device, tmp_path):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    processes = [
        train(
            "multi_worker",
            tmp_path / f"worker{index}.npz",
            extra_env={"TF_CONFIG": json.dumps({
                "cluster": {"worker": workers},
                "task": {"type": "worker", "index": index},
            })},
            wait=False,
        )
        for index in range(2)
    ]
    for process in processes:
        finish(process)
    # Each worker trains on half of every global batch; both log the global
    # batch's loss and end with single-device training's weights.
    for index in range(2):
        worker = results(tmp_path / f"worker{index}.npz")
        assert worker[2] == 2
        assert_same_training(single_device, worker)


def test_jax_data_parallel_on_two_devices_matches_one_device(tmp_path):
    # jax draws other initial weights than tensorflow from the same seed,
    # so the reference is jax on one device.
    train("cpu", tmp_path / "one.npz", backend="jax")
    train("data_parallel", tmp_path / "two.npz", backend="jax",
          extra_env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    one, two = results(tmp_path / "one.npz"), results(tmp_path / "two.npz")
    assert (one[2], two[2]) == (1, 2)
    assert_same_training(one, two)


def test_strategy_names_are_checked():
    with pytest.raises(ValueError, match="Unknown distribution strategy"):
        resolve_distribution("gpu_farm")
    with pytest.raises(ValueError, match="needs KERAS_BACKEND=jax"):
        resolve_distribution("data_parallel")
    with pytest.raises(ValueError, match="TF_CONFIG environment variable"):
        resolve_distribution("multi_worker")


def test_tpu_is_resolved_by_name_and_absence_is_explained():
    with pytest.raises(RuntimeError, match="'tpu' strategy found no TPU"):
        resolve_distribution("tpu")
