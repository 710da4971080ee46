"""The directions file round-trips, normalises, names its directions and refuses another generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import modiste
from modiste.errors import ModisteError
from modiste.latent import generator_identity
from modiste.latent.directions import DirectionSet, load_directions, parse_direction_ref, save_directions


def _set(G, k=3) -> DirectionSet:
    g = torch.Generator().manual_seed(0)
    return DirectionSet([f"sefa_{i}" for i in range(k)], torch.randn(k, G.w_dim, generator=g),
                        [(0, G.num_ws)] * (k - 1) + [(1, 3)], "sefa", generator_identity(G), {"eigenvalues": [3.0, 2.0, 1.0]})


def test_round_trip_keeps_names_unit_vectors_layers_and_meta(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    ds = _set(G)
    assert torch.allclose(ds.vectors.norm(dim=1), torch.ones(3), atol=1e-6)
    path = save_directions(tmp_path / "dirs", ds)
    assert path.name == "dirs.safetensors" and (tmp_path / "dirs.json").is_file()
    loaded = load_directions(tmp_path / "dirs.json", G)
    assert torch.equal(loaded.vectors, ds.vectors)
    assert loaded.names == ds.names and loaded.layers == [(0, G.num_ws), (0, G.num_ws), (1, 3)]
    assert loaded.method == "sefa" and loaded.meta == {"eigenvalues": [3.0, 2.0, 1.0]}
    assert json.loads((tmp_path / "dirs.json").read_text())["generator"]["w_dim"] == G.w_dim
    assert loaded.index("sefa_2") == 2 and torch.equal(loaded.vector("sefa_1"), ds.vectors[1])


def test_directions_from_another_generator_are_refused(tiny_run, tiny_run_uncond, tmp_path):
    G, other = modiste.load_generator(tiny_run), modiste.load_generator(tiny_run_uncond)
    save_directions(tmp_path / "dirs", _set(G))
    with pytest.raises(ModisteError, match="another generator"):
        load_directions(tmp_path / "dirs", other)


def test_unknown_name_lists_the_names(tiny_run):
    ds = _set(modiste.load_generator(tiny_run))
    with pytest.raises(ModisteError, match="sefa_0, sefa_1, sefa_2"):
        ds.index("smile")


def test_bad_directions_are_refused(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    ident = generator_identity(G)
    with pytest.raises(ModisteError, match="NaN"):
        DirectionSet(["a"], torch.full((1, G.w_dim), float("nan")), [(0, 1)], "x", ident)
    with pytest.raises(ModisteError, match="zero length"):
        DirectionSet(["a"], torch.zeros(1, G.w_dim), [(0, 1)], "x", ident)
    with pytest.raises(ModisteError, match="layer range"):
        DirectionSet(["a"], torch.ones(1, G.w_dim), [(0, G.num_ws + 1)], "x", ident)
    with pytest.raises(ModisteError, match="distinct"):
        DirectionSet(["a", "a"], torch.ones(2, G.w_dim), [(0, 1)] * 2, "x", ident)
    with pytest.raises(ModisteError, match="not found"):
        load_directions(tmp_path / "missing", G)
    (tmp_path / "bad.safetensors").write_bytes(b"junk")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ModisteError, match="damaged|not a modiste"):
        load_directions(tmp_path / "bad", G)


def test_direction_reference_parsing():
    assert parse_direction_ref("a/b:c.safetensors:pc_0") == (Path("a/b:c.safetensors"), "pc_0")
    with pytest.raises(ModisteError, match="FILE:NAME"):
        parse_direction_ref("dirs.safetensors")
