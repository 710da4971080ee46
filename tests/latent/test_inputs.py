"""Seeds or latents files -> W+, with classes, truncation, PTI weights and refusals."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

import modiste
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds
from modiste.latent import LatentSet, class_centres, generator_identity, save_latents
from modiste.latent.inputs import base_identity, open_inputs, provenance_meta, ws_from_inputs
from modiste.latent.outputs import check_out_file, prepare_outdir


def test_seeds_give_the_mapping_of_their_z(tiny_run):
    G = modiste.load_generator(tiny_run)
    got = ws_from_inputs(G, seeds=[3, 8], class_name="Jeans")
    expect = G.mapping(latents_for_seeds([3, 8], G.z_dim), torch.tensor([2, 2]))
    assert got.space == "w+" and torch.equal(got.latents, expect)
    assert got.classes == ["Jeans", "Jeans"] and got.seeds == [3, 8]


def test_truncation_pulls_towards_the_class_centre_or_the_global_mean(tiny_run):
    G = modiste.load_generator(tiny_run)
    full = ws_from_inputs(G, seeds=[5], class_name="Dresses").latents
    half = ws_from_inputs(G, seeds=[5], class_name="Dresses", truncation_psi=0.5).latents
    assert torch.allclose(half, 0.5 * (full + class_centres(G)[1]), atol=1e-6)
    glob = ws_from_inputs(G, seeds=[5], class_name="Dresses", truncation_psi=0.5, center="global").latents
    assert torch.allclose(glob, 0.5 * (full + G.mapping.w_avg), atol=1e-6)


def test_w_and_z_latents_files_are_mapped_and_broadcast(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    ident = generator_identity(G)
    z = latents_for_seeds([1, 2], G.z_dim)
    zs = ws_from_inputs(G, latents=LatentSet("z", z, ident, ["Tshirts", "Jeans"]))
    assert torch.equal(zs.latents, G.mapping(z, torch.tensor([0, 2])))
    w = zs.latents[:, 0]
    ws = ws_from_inputs(G, latents=LatentSet("w", w, ident))
    assert torch.equal(ws.latents, w.unsqueeze(1).expand(-1, G.num_ws, -1))


def test_class_errors(tiny_run, tiny_run_uncond):
    G, U = modiste.load_generator(tiny_run), modiste.load_generator(tiny_run_uncond)
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        ws_from_inputs(G, seeds=[0], class_name="Coats")
    with pytest.raises(ModisteError, match="drop --class"):
        ws_from_inputs(U, seeds=[0], class_name="Tshirts")
    with pytest.raises(ModisteError, match="pass --class"):
        ws_from_inputs(G, seeds=[0])
    with pytest.raises(ModisteError, match="drop --class"):
        ws_from_inputs(G, latents=LatentSet("z", torch.zeros(1, G.z_dim), generator_identity(G), ["Jeans"]),
                       class_name="Dresses")
    with pytest.raises(ModisteError, match="finite"):
        ws_from_inputs(G, seeds=[0], class_name="Jeans", truncation_psi=float("nan"))


def test_pti_weights_named_by_the_latents_are_loaded(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    ws = ws_from_inputs(G, seeds=[4], class_name="Tshirts").latents
    tuned = {k: v + 0.05 for k, v in G.synthesis.state_dict().items() if k.endswith("weight")}
    save_file({f"synthesis.{k}": v.contiguous() for k, v in tuned.items()}, str(tmp_path / "photo.pti.safetensors"))
    save_latents(tmp_path / "photo", LatentSet("w+", ws, generator_identity(G), meta={"pti_weights": "photo.pti.safetensors"}))
    T, got = open_inputs(tiny_run, latents_path=tmp_path / "photo.safetensors")
    name = next(iter(tuned))
    assert torch.equal(T.synthesis.state_dict()[name], tuned[name])
    assert base_identity(T) == generator_identity(G) != generator_identity(T)
    assert torch.equal(got.latents, ws) and got.identity == generator_identity(G)
    assert got.meta["pti_weights"] == str((tmp_path / "photo.pti.safetensors").resolve())
    assert provenance_meta(G) == {}
    before = G.synthesis(ws, noise_mode="const")
    assert (T.synthesis(ws, noise_mode="const") - before).abs().max() > 1e-3


def test_latents_of_another_generator_and_missing_files_are_refused(tiny_run, tiny_run_uncond, tmp_path):
    U = modiste.load_generator(tiny_run_uncond)
    save_latents(tmp_path / "u", LatentSet("z", torch.zeros(1, U.z_dim), generator_identity(U)))
    with pytest.raises(ModisteError, match="another generator"):
        open_inputs(tiny_run, latents_path=tmp_path / "u")
    with pytest.raises(ModisteError, match="not found"):
        open_inputs(tiny_run, latents_path=tmp_path / "missing")
    with pytest.raises(ModisteError, match="exactly one"):
        open_inputs(tiny_run, seeds=[1], latents_path=tmp_path / "u")


def test_unwritable_outputs_are_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ModisteError, match="is a file"):
        prepare_outdir(blocker)
    with pytest.raises(ModisteError, match="cannot be written"):
        prepare_outdir(blocker / "sub")
    with pytest.raises(ModisteError, match=r"\.mp4 or \.gif"):
        check_out_file(tmp_path / "walk.avi", (".mp4", ".gif"))
    assert prepare_outdir(tmp_path / "a" / "b").is_dir()


def test_pti_weights_tuned_from_another_generator_are_refused(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    name = next(k for k in G.state_dict() if k.endswith("weight"))
    save_file({name: G.state_dict()[name].contiguous()}, str(tmp_path / "p.pti.safetensors"),
              metadata={"format": "modiste-pti/1", "base_checkpoint_hash": "0" * 64})
    save_latents(tmp_path / "p", LatentSet("w", torch.zeros(1, G.w_dim), generator_identity(G),
                                           meta={"pti_weights": "p.pti.safetensors"}))
    with pytest.raises(ModisteError, match="tuned from another generator"):
        open_inputs(tiny_run, latents_path=tmp_path / "p")


def test_class_is_checked_even_when_w_plus_latents_do_not_need_it(tiny_run, tiny_run_uncond):
    G, U = modiste.load_generator(tiny_run), modiste.load_generator(tiny_run_uncond)
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        ws_from_inputs(G, latents=LatentSet("w+", torch.zeros(1, G.num_ws, G.w_dim), generator_identity(G)),
                       class_name="Coats")
    with pytest.raises(ModisteError, match="drop --class"):
        ws_from_inputs(U, latents=LatentSet("w", torch.zeros(1, U.w_dim), generator_identity(U)), class_name="Jeans")
