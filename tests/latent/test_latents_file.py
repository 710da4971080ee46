"""The latents file round-trips, and is refused by another generator; class-centred truncation."""

from __future__ import annotations

import json

import pytest
import torch

import modiste
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds
from modiste.latent import LatentSet, class_centres, generator_identity, load_latents, map_to_ws, save_latents


def test_round_trip_keeps_tensors_classes_seeds_and_meta(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    ws = map_to_ws(G, latents_for_seeds([3, 4], G.z_dim), torch.tensor([0, 2]))
    original = LatentSet("w+", ws, generator_identity(G), ["Tshirts", "Jeans"], [3, 4], {"truncation_psi": 1.0})
    path = save_latents(tmp_path / "set", original)
    assert path.name == "set.safetensors" and (tmp_path / "set.json").is_file()
    loaded = load_latents(tmp_path / "set.json", G)
    assert torch.equal(loaded.latents, ws) and loaded.space == "w+"
    assert loaded.classes == ["Tshirts", "Jeans"] and loaded.seeds == [3, 4]
    assert loaded.meta == {"truncation_psi": 1.0}
    assert json.loads((tmp_path / "set.json").read_text())["generator"]["num_ws"] == G.num_ws


def test_latents_from_another_generator_are_refused(tiny_run, tiny_run_uncond, tmp_path):
    G, other = modiste.load_generator(tiny_run), modiste.load_generator(tiny_run_uncond)
    save_latents(tmp_path / "z", LatentSet("z", latents_for_seeds([0], G.z_dim), generator_identity(G)))
    with pytest.raises(ModisteError, match="another generator"):
        load_latents(tmp_path / "z", other)


def test_identity_is_the_content_not_the_path(tiny_run, tmp_path):
    import shutil

    copy = shutil.copytree(tiny_run, tmp_path / "copy")
    assert generator_identity(modiste.load_generator(copy)) == generator_identity(modiste.load_generator(tiny_run))


def test_bad_shapes_unknown_classes_and_nan_are_refused(tiny_run):
    G = modiste.load_generator(tiny_run)
    ident = generator_identity(G)
    with pytest.raises(ModisteError, match="shape"):
        LatentSet("w+", torch.zeros(2, G.w_dim), ident)
    with pytest.raises(ModisteError, match="Coats"):
        LatentSet("w", torch.zeros(1, G.w_dim), ident, ["Coats"])
    with pytest.raises(ModisteError, match="NaN"):
        LatentSet("z", torch.full((1, G.z_dim), float("nan")), ident)


def test_class_centred_truncation_at_psi_0_gives_each_class_its_own_centre(tiny_run):
    G = modiste.load_generator(tiny_run)
    z = latents_for_seeds([7, 7, 7], G.z_dim)
    c = torch.tensor([0, 1, 2])
    ws = map_to_ws(G, z, c, truncation_psi=0.0, center="class")
    centres = class_centres(G)
    # independent estimate of each class's mean W from fresh samples
    for k in range(3):
        samples = G.mapping(torch.randn(4096, G.z_dim), torch.full((4096,), k))[:, 0]
        stderr = samples.std(0) * (1 / 2048 + 1 / 4096) ** 0.5  # of the difference of two sample means
        assert torch.allclose(ws[k, 0], centres[k])
        assert ((centres[k] - samples.mean(0)).abs() < 5 * stderr).all()
    images = G.synthesis(ws, noise_mode="const")
    assert (images[0] - images[1]).abs().mean() > 1e-3 and (images[1] - images[2]).abs().mean() > 1e-3
    glob = G.synthesis(map_to_ws(G, z, c, truncation_psi=0.0, center="global"), noise_mode="const")
    assert torch.allclose(glob[0], glob[1]) and torch.allclose(glob[1], glob[2])  # the old behaviour


def test_class_centres_are_cached_in_the_run_folder(tiny_run):
    G = modiste.load_generator(tiny_run)
    first = class_centres(G)
    assert list((tiny_run / "cache").glob("class-centres-*.safetensors"))
    assert torch.equal(class_centres(modiste.load_generator(tiny_run)), first)


def test_class_truncation_on_unconditional_model_is_refused(tiny_run_uncond):
    G = modiste.load_generator(tiny_run_uncond)
    with pytest.raises(ModisteError, match="conditional"):
        map_to_ws(G, latents_for_seeds([0], G.z_dim), None, 0.5, center="class")
