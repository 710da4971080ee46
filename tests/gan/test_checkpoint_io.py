import json

import pytest
import torch

from modiste.errors import ModisteError
from modiste.gan.checkpoint import list_checkpoints, read_state, read_tensors, resolve_checkpoint, save_checkpoint
from modiste.gan.training.state_io import capture_rng, flatten_optimizer, restore_rng, unflatten_optimizer


def _adam_with_state() -> torch.optim.Adam:
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.0, 0.99))
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    return opt


def test_optimizer_state_round_trips_through_tensors_and_json():
    opt = _adam_with_state()
    tensors, meta = flatten_optimizer("opt", opt.state_dict())
    meta = json.loads(json.dumps(meta))  # what state.json stores
    restored = unflatten_optimizer("opt", tensors, meta)
    original = opt.state_dict()
    assert restored["param_groups"][0]["lr"] == original["param_groups"][0]["lr"]
    for pid, entry in original["state"].items():
        for key, value in entry.items():
            assert torch.equal(torch.as_tensor(restored["state"][pid][key]), torch.as_tensor(value))
    fresh = torch.optim.Adam(torch.nn.Linear(3, 2).parameters(), lr=1.0)
    fresh.load_state_dict(restored)  # accepted by torch
    assert fresh.param_groups[0]["lr"] == 0.01


def test_rng_capture_and_restore_repeats_the_stream():
    state = capture_rng(torch.device("cpu"))
    a = torch.randn(5)
    restore_rng(state, torch.device("cpu"))
    assert torch.equal(a, torch.randn(5))


def test_save_keeps_last_k_and_leaves_no_temporaries(tmp_path):
    for kimg in (1.0, 2.0, 3.0, 4.0):
        save_checkpoint(tmp_path, kimg, {"G": {"w": torch.full((2,), kimg)}}, {"kimg": kimg}, keep=2)
    snaps = list_checkpoints(tmp_path)
    assert [read_state(s)["kimg"] for s in snaps] == [3.0, 4.0]
    assert not list((tmp_path / "checkpoints").glob(".tmp-*"))
    assert resolve_checkpoint(tmp_path) == snaps[-1]
    assert torch.equal(read_tensors(snaps[-1], "G")["w"], torch.full((2,), 4.0))


def test_killed_save_leaves_previous_snapshot_usable(tmp_path):
    save_checkpoint(tmp_path, 1.0, {"G": {"w": torch.ones(2)}}, {"kimg": 1.0}, keep=3)
    # a crash mid-write leaves only a hidden temporary folder, never a half snapshot
    stale = tmp_path / "checkpoints" / ".tmp-deadbeef"
    stale.mkdir()
    (stale / "G.safetensors").write_bytes(b"partial")
    assert resolve_checkpoint(tmp_path).name == "snapshot-000001.000"
    save_checkpoint(tmp_path, 2.0, {"G": {"w": torch.ones(2)}}, {"kimg": 2.0}, keep=3)
    assert not stale.exists()


def test_damaged_or_missing_checkpoints_give_clear_errors(tmp_path):
    with pytest.raises(ModisteError, match="does not exist"):
        resolve_checkpoint(tmp_path / "nope")
    with pytest.raises(ModisteError, match="no checkpoint found"):
        resolve_checkpoint(tmp_path)
    snap = save_checkpoint(tmp_path, 1.0, {"G": {"w": torch.ones(2)}}, {"kimg": 1.0}, keep=3)
    (snap / "G.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModisteError, match="damaged"):
        read_tensors(snap, "G")
