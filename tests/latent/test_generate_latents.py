"""`modiste generate` truncates towards the class centre (or the global mean) and writes the W+ it drew."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from modiste.cli import main
from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent import class_centres, load_latents


def _png(path):
    return np.asarray(Image.open(path))


def test_generate_at_psi_0_gives_each_class_its_centre(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    images = {}
    for name in ("Tshirts", "Jeans"):
        out = tmp_path / name
        main(["generate", "--checkpoint", str(tiny_run), "--seeds", "3,4", "--truncation", "0", "--class", name,
              "--outdir", str(out)])
        images[name] = _png(out / "seed0003.png")
        assert np.array_equal(images[name], _png(out / "seed0004.png"))  # psi 0: the seed no longer matters
        centre = class_centres(G)[G.cfg.class_names.index(name)]
        expect = to_uint8(G.synthesis(centre.expand(1, G.num_ws, -1), noise_mode="const"))[0].permute(1, 2, 0).numpy()
        assert np.abs(images[name].astype(int) - expect.astype(int)).max() <= 1
        ws = load_latents(out / "latents", G)
        assert ws.space == "w+" and ws.seeds == [3, 4] and ws.classes == [name, name]
        assert ws.meta["truncation_center"] == "class" and torch.allclose(ws.latents[0, 0], centre, atol=1e-6)
    assert not np.array_equal(images["Tshirts"], images["Jeans"])


def test_generate_global_centre_is_the_old_behaviour(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    main(["generate", "--checkpoint", str(tiny_run), "--seeds", "5", "--truncation", "0.6", "--class", "Dresses",
          "--truncation-center", "global", "--outdir", str(tmp_path)])
    z = latents_for_seeds([5], G.z_dim)
    old = to_uint8(G(z, torch.tensor([1]), truncation_psi=0.6, noise_mode="const"))[0].permute(1, 2, 0).numpy()
    assert np.abs(_png(tmp_path / "seed0005.png").astype(int) - old.astype(int)).max() <= 1
    ws = load_latents(tmp_path / "latents", G).latents
    assert np.array_equal(to_uint8(G.synthesis(ws, noise_mode="const"))[0].permute(1, 2, 0).numpy(),
                          _png(tmp_path / "seed0005.png"))


def test_generate_class_centre_on_unconditional_model_is_refused(tiny_run_uncond, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["generate", "--checkpoint", str(tiny_run_uncond), "--seeds", "1", "--truncation", "0.5",
              "--truncation-center", "class", "--outdir", str(tmp_path / "o")])
    assert e.value.code == 2 and "conditional" in capsys.readouterr().err and not (tmp_path / "o").exists()
