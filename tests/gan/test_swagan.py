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


# --- the two discriminator designs (issue 11, item 4) ------------------------------------------------


def test_paper_discriminator_has_3x3_wavelet_inputs_and_plain_blocks():
    from modiste.gan.networks.swagan import PlainDiscriminatorBlock

    cfg = swagan_cfg(swagan_d="paper", aspect=(1, 2))
    D = build_discriminator(cfg)
    assert D.from_image.kernel_size == 3 and D.from_image.in_channels == 12
    assert all(layer.kernel_size == 3 and layer.in_channels == 12 for layer in D.from_wavelets)
    assert all(isinstance(b, PlainDiscriminatorBlock) and not hasattr(b, "skip") for b in D.blocks)
    residual = build_discriminator(swagan_cfg(swagan_d="residual"))
    assert residual.from_image.kernel_size == 1 and all(b.skip is not None for b in residual.blocks)
    # parameters: the residual design's 1x1 skips vs the paper's 9x larger wavelet convs, counted by hand
    c = [cfg.channels_at(w) for w in (16, 8, 4)]  # block inputs 16 and 8 wide, epilogue 4 wide
    skips = c[0] * c[1] + c[1] * c[2]
    wavelet_extra = 8 * 12 * (c[0] + c[1] + c[2])  # (9 - 1) x 12 inputs per output channel
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(build_discriminator(swagan_cfg(swagan_d="paper"))) - count(residual) == wavelet_extra - skips


def test_paper_discriminator_block_is_conv_then_downsampling_conv():
    from modiste.gan.networks.ops import LRELU_GAIN, LRELU_SLOPE

    torch.manual_seed(0)
    D = build_discriminator(swagan_cfg(swagan_d="paper"))
    block, x = D.blocks[0], torch.randn(2, D.blocks[0].conv0.in_channels, 16, 16)

    def conv(layer, inp, stride=1, pad=1):  # literal equalised-LR conv + leaky ReLU x sqrt(2)
        w = layer.weight / layer.weight.shape[1:].numel() ** 0.5
        return torch.nn.functional.leaky_relu(
            torch.nn.functional.conv2d(inp, w, layer.bias, stride=stride, padding=pad), LRELU_SLOPE) * LRELU_GAIN

    h = conv(block.conv0, x)
    expected = conv(block.conv1, fir.reference_upfirdn2d(h, up=1, down=1, pad=(2, 2), gain=1.0), stride=2, pad=0)
    torch.testing.assert_close(block(x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("variant", ["residual", "paper"])
def test_both_discriminators_use_every_wavelet_scale(variant):
    torch.manual_seed(0)
    D = build_discriminator(swagan_cfg(swagan_d=variant, c_dim=2, aspect=(2, 3)))
    img = torch.randn(4, 3, 48, 32, requires_grad=True)
    logits = D(img, torch.tensor([0, 1, 1, 0]))
    assert logits.shape == (4, 1) and logits.dtype == torch.float32
    logits.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in D.parameters())
    # the coarsest wavelet input alone changes the output: zero its fromWavelets and the logits move
    with torch.no_grad():
        before = D(img, torch.tensor([0, 1, 1, 0]))
        D.from_wavelets[-1].weight.zero_()
        D.from_wavelets[-1].bias.zero_()
        assert (D(img, torch.tensor([0, 1, 1, 0])) - before).abs().max() > 1e-4


def test_swagan_d_is_recorded_and_old_configs_mean_residual():
    from modiste.gan.networks.config import DEFAULT_SWAGAN_D

    new = NetworkConfig.from_preset("tiny", resolution=32, arch="swagan")
    assert new.swagan_d == DEFAULT_SWAGAN_D
    paper = NetworkConfig.from_preset("tiny", resolution=32, arch="swagan", swagan_d="paper")
    assert paper.to_dict()["swagan_d"] == "paper" and NetworkConfig(**paper.to_dict()).swagan_d == "paper"
    legacy = NetworkConfig.from_preset("tiny", resolution=32, arch="swagan", swagan_d="residual").to_dict()
    assert "swagan_d" not in legacy  # configs written before the option compare equal to today's
    assert NetworkConfig(**legacy).swagan_d == "residual"
    assert "swagan_d" not in NetworkConfig.from_preset("tiny", arch="stylegan2", swagan_d="paper").to_dict()
    with pytest.raises(Exception, match="swagan_d"):
        NetworkConfig(arch="swagan", swagan_d="wavelet")


def test_old_swagan_checkpoint_loads_its_residual_discriminator(tmp_path):
    from modiste.gan.checkpoint import read_state, read_tensors, save_checkpoint

    cfg = swagan_cfg()
    state = cfg.to_dict()
    state.pop("swagan_d", None)  # what a checkpoint from before the option holds
    D = build_discriminator(cfg)
    snap = save_checkpoint(tmp_path, 0.0, {"D": D.state_dict()}, {"network": state}, keep=1)
    restored = build_discriminator(NetworkConfig(**read_state(snap)["network"]))
    restored.load_state_dict(read_tensors(snap, "D"))  # strict: every name and shape matches
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(restored(x), D(x))
