"""Haar wavelets and the SWAGAN generator/discriminator built on them."""

from __future__ import annotations

import pytest
import torch

from modiste.gan.networks import fir
from modiste.gan.networks.discriminator import Discriminator
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks import Generator, build_discriminator, build_generator
from modiste.gan.networks.swagan import SwaganDiscriminator, SwaganGenerator, WaveletSynthesisNetwork, upsample_wavelets
from modiste.gan.networks.synthesis import SynthesisNetwork
from modiste.gan.networks.wavelets import dwt, idwt


def swagan_cfg(**overrides) -> NetworkConfig:
    kw = dict(resolution=32, z_dim=16, w_dim=16, mapping_layers=2, channel_base=256, channel_max=16, arch="swagan")
    return NetworkConfig(**{**kw, **overrides})


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (2, 1, 6, 4), (1, 3, 24, 16), (1, 2, 32, 16)])
def test_haar_perfect_reconstruction_and_energy(shape):
    x = torch.randn(shape, dtype=torch.float64)
    y = dwt(x)
    assert y.shape == (shape[0], 4 * shape[1], shape[2] // 2, shape[3] // 2)
    torch.testing.assert_close(idwt(y), x, rtol=0, atol=1e-12)
    torch.testing.assert_close(y.square().sum(), x.square().sum())  # orthonormal
    torch.testing.assert_close(dwt(idwt(y)), y, rtol=0, atol=1e-12)


def test_haar_bands_by_hand():
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]]).view(1, 1, 2, 2)  # a b / c d
    ll, lh, hl, hh = dwt(x).flatten().tolist()
    assert (ll, lh, hl, hh) == (5.5, -1.5, -2.5, 0.5)  # (a+b+c+d)/2, (a-b+c-d)/2, (a+b-c-d)/2, (a-b-c+d)/2
    const = dwt(torch.full((1, 2, 4, 6), 3.0))
    assert torch.all(const[:, :2] == 6.0) and torch.all(const[:, 2:] == 0.0)
    with pytest.raises(ValueError, match="even"):
        dwt(torch.randn(1, 1, 5, 4))


def test_wavelet_upsampling_equals_pixel_upsampling():
    x = torch.randn(2, 3, 6, 4)
    torch.testing.assert_close(idwt(upsample_wavelets(dwt(x))), fir.upsample2d(x), rtol=1e-5, atol=1e-5)


def test_swagan_subclasses_stylegan2_and_stops_a_level_earlier():
    cfg = swagan_cfg(aspect=(2, 3))
    G, D = build_generator(cfg), build_discriminator(cfg)
    assert isinstance(G, SwaganGenerator) and isinstance(G, Generator)
    assert isinstance(G.synthesis, WaveletSynthesisNetwork) and isinstance(G.synthesis, SynthesisNetwork)
    assert isinstance(D, SwaganDiscriminator) and isinstance(D, Discriminator)
    # feature maps 4, 8, 16 wide for a 32-wide image; each block emits 4 x 3 wavelet channels
    assert [b.shape for b in G.synthesis.blocks] == [(6, 4), (12, 8), (24, 16)]
    assert all(b.to_image.out_channels == 12 for b in G.synthesis.blocks)
    assert G.num_ws == 6  # 2 log2(32) - 4
    assert D.from_image.in_channels == 12 and len(D.from_wavelets) == len(D.blocks) == 2


def test_swagan_image_is_the_idwt_of_the_last_coefficients():
    torch.manual_seed(0)
    G = build_generator(swagan_cfg())
    captured = {}
    G.synthesis.register_forward_hook(lambda m, i, o: captured.setdefault("image", o))
    original = G.synthesis.to_output
    G.synthesis.to_output = lambda wav: captured.setdefault("wav", wav) is not None and original(wav)
    img = G(torch.randn(2, 16), noise_mode="const")
    assert captured["wav"].shape == (2, 12, 16, 16)
    torch.testing.assert_close(img, idwt(captured["wav"]))


def test_swagan_discriminator_reads_wavelets_at_every_scale():
    torch.manual_seed(0)
    D = build_discriminator(swagan_cfg(img_channels=1, c_dim=2))
    img = torch.randn(3, 1, 32, 32, requires_grad=True)
    logits = D(img, torch.tensor([0, 1, 1]))
    assert logits.shape == (3, 1)
    logits.sum().backward()
    for layer in D.from_wavelets:
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    assert img.grad.abs().sum() > 0
