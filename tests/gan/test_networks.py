"""StyleGAN2 generator/discriminator: shapes, gradients, mapping and truncation, mbstd, copies."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from modiste.errors import ModisteError
from modiste.gan.networks.discriminator import Discriminator, MinibatchStdDev
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks import Generator, build_discriminator, build_generator

SHAPES = [((1, 1), (16, 16)), ((2, 3), (24, 16)), ((1, 2), (32, 16))]  # aspect -> (H, W) at width 16


def tiny(**overrides) -> NetworkConfig:
    kw = dict(resolution=16, z_dim=16, w_dim=16, mapping_layers=2, channel_base=128, channel_max=16)
    return NetworkConfig(**{**kw, **overrides})


def assert_all_parameters_have_gradients(*modules: torch.nn.Module) -> None:
    for module in modules:
        missing = [name for name, p in module.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        assert not missing, f"{type(module).__name__} parameters without gradient: {missing}"


@pytest.mark.parametrize("arch", ["stylegan2", "swagan"])
@pytest.mark.parametrize("aspect,hw", SHAPES)
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_and_discriminator_shapes_and_gradients(arch, aspect, hw, channels):
    torch.manual_seed(0)
    cfg = tiny(aspect=aspect, img_channels=channels, arch=arch)
    G, D = build_generator(cfg), build_discriminator(cfg)
    assert G.img_shape == (channels, *hw) == D.img_shape
    images = G(torch.randn(3, cfg.z_dim))
    assert images.shape == (3, channels, *hw)
    assert 0.2 < images.std().item() < 5  # unbounded but of unit scale at init
    logits = D(images)
    assert logits.shape == (3, 1) and logits.dtype == torch.float32
    logits.sum().backward()
    assert_all_parameters_have_gradients(G, D)  # DDP: no unused parameters in the normal forward


@pytest.mark.parametrize("aspect,hw", SHAPES)
def test_every_block_has_the_expected_shape(aspect, hw):
    cfg = tiny(aspect=aspect)
    G, D = Generator(cfg), Discriminator(cfg)
    seen: dict[str, tuple] = {}
    for name, module in [*G.synthesis.blocks.named_children(), *D.blocks.named_children()]:
        owner = "G" if module in list(G.synthesis.blocks) else "D"
        module.register_forward_hook(lambda m, i, o, key=f"{owner}{name}": seen.__setitem__(
            key, tuple(o[0].shape if isinstance(o, tuple) else o.shape)))
    D(G(torch.randn(2, cfg.z_dim)))
    h, w = hw
    # generator blocks: 4, 8, 16 wide, channels min(128 // width, 16)
    assert seen["G0"] == (2, 16, h // 4, 4)
    assert seen["G1"] == (2, 16, h // 2, 8)
    assert seen["G2"] == (2, 8, h, 16)
    # discriminator blocks halve: 16 -> 8 -> 4 wide
    assert seen["D0"] == (2, 16, h // 2, 8)
    assert seen["D1"] == (2, 16, h // 4, 4)
    assert G.num_ws == 6  # 2 log2(16) - 2


def test_num_ws_follows_the_resolution():
    assert Generator(tiny(resolution=64, channel_base=512)).num_ws == 10
    assert build_generator(tiny(resolution=64, channel_base=512, arch="swagan")).num_ws == 8


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["stylegan2", "swagan"])
def test_largest_portrait_canvas(arch):
    # width 1024 at 1:2 is a 2048x1024 image; a thin model keeps this a few seconds
    cfg = NetworkConfig(resolution=1024, aspect=(1, 2), img_channels=1, z_dim=8, w_dim=8, mapping_layers=1,
                        channel_base=2048, channel_max=8, arch=arch)
    G, D = build_generator(cfg), build_discriminator(cfg)
    with torch.no_grad():
        img = G(torch.randn(1, 8), noise_mode="none")
        assert img.shape == (1, 1, 2048, 1024) and torch.isfinite(img).all()
        assert D(img).shape == (1, 1)


# --- mapping, truncation and classes --------------------------------------------------------

def test_truncation_psi_zero_gives_w_avg_and_cutoff_keeps_the_rest():
    torch.manual_seed(0)
    G = Generator(tiny())
    G.mapping.w_avg.normal_()
    z = torch.randn(4, 16)
    ws = G.mapping(z, truncation_psi=0.0)
    assert ws.shape == (4, G.num_ws, 16)
    torch.testing.assert_close(ws, G.mapping.w_avg.expand_as(ws))
    full = G.mapping(z)
    half = G.mapping(z, truncation_psi=0.5, truncation_cutoff=2)
    torch.testing.assert_close(half[:, :2], (G.mapping.w_avg + full[:, :2]) / 2)
    torch.testing.assert_close(half[:, 2:], full[:, 2:])


def test_w_avg_tracks_the_mean_only_when_asked():
    torch.manual_seed(0)
    mapping = Generator(tiny()).mapping
    z = torch.randn(8, 16)
    mapping(z)
    assert mapping.w_avg.abs().sum() == 0
    w_mean = mapping(z)[:, 0].mean(0)
    mapping(z, update_w_avg=True)
    torch.testing.assert_close(mapping.w_avg, w_mean * (1 - 0.995))


def test_class_conditioning_changes_w_and_accepts_indices_or_one_hot():
    torch.manual_seed(0)
    G = Generator(tiny(c_dim=3))
    z = torch.randn(1, 16).expand(3, -1)
    by_index = G.mapping(z, torch.tensor([0, 1, 2]))
    torch.testing.assert_close(by_index, G.mapping(z, torch.eye(3)))
    assert (by_index[0] - by_index[1]).abs().max() > 1e-3
    assert (by_index[1] - by_index[2]).abs().max() > 1e-3
    with pytest.raises(ModisteError, match="conditional on 3 classes"):
        G(torch.randn(2, 16))
    with pytest.raises(ModisteError, match="one-hot"):
        G(torch.randn(2, 16), torch.ones(2, 5))
    with pytest.raises(ModisteError, match="z must have shape"):
        G.mapping(torch.randn(2, 7), torch.tensor([0, 1]))


def test_conditional_discriminator_projects_the_class():
    torch.manual_seed(0)
    D = Discriminator(tiny(c_dim=4))
    img = torch.randn(2, 3, 16, 16)
    a, b = D(img, torch.tensor([0, 0])), D(img, torch.tensor([3, 3]))
    assert a.shape == (2, 1) and (a - b).abs().max() > 1e-4
    torch.testing.assert_close(D(img, torch.tensor([3, 3])), D(img, torch.eye(4)[[3, 3]]))


# --- minibatch standard deviation -----------------------------------------------------------

def test_mbstd_groups_by_largest_divisor_with_odd_batches():
    torch.manual_seed(0)
    x = torch.randn(9, 2, 3, 3)  # 9 with group 4 -> groups of 3; sample i is in group i % 3
    y = MinibatchStdDev(group_size=4)(x)
    assert y.shape == (9, 3, 3, 3)
    torch.testing.assert_close(y[:, :2], x)
    for group in range(3):
        members = x[group::3]
        expected = members.var(dim=0, unbiased=False).add(1e-8).sqrt().mean()
        for i in range(group, 9, 3):
            torch.testing.assert_close(y[i, 2], expected.expand(3, 3))
    assert MinibatchStdDev(4)(torch.randn(5, 2, 3, 3))[:, 2].abs().max() < 1e-3  # prime: groups of 1
    D = Discriminator(tiny())
    assert D(torch.randn(7, 3, 16, 16)).shape == (7, 1)


# --- noise, copies, state -------------------------------------------------------------------

def test_noise_modes():
    torch.manual_seed(0)
    G = Generator(tiny())
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.5)
    z = torch.randn(2, 16)
    torch.testing.assert_close(G(z, noise_mode="const"), G(z, noise_mode="const"))
    assert (G(z, noise_mode="random") - G(z, noise_mode="random")).abs().max() > 1e-3
    assert (G(z, noise_mode="none") - G(z, noise_mode="const")).abs().max() > 1e-3


def test_deepcopy_and_state_dict_round_trip():
    torch.manual_seed(0)
    cfg = tiny(c_dim=2)
    G = Generator(cfg)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    z, c = torch.randn(3, 16), torch.tensor([0, 1, 1])
    torch.testing.assert_close(G_ema(z, c, noise_mode="const"), G(z, c, noise_mode="const"))
    with torch.no_grad():
        G.synthesis.blocks[0].const.add_(1.0)
    assert (G_ema(z, c, noise_mode="const") - G(z, c, noise_mode="const")).abs().max() > 1e-3
    fresh = Generator(cfg)
    fresh.load_state_dict(G.state_dict())
    torch.testing.assert_close(fresh(z, c, noise_mode="const"), G(z, c, noise_mode="const"))
    assert "synthesis.blocks.1.conv0.noise_const" in G.state_dict()


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_autocast_runs_in_low_precision_and_keeps_fp32_logits(dtype):
    torch.manual_seed(0)
    cfg = tiny(c_dim=2)
    G, D = Generator(cfg), Discriminator(cfg)
    z, c = torch.randn(2, 16), torch.tensor([0, 1])
    reference = G(z, c, noise_mode="const")
    with torch.autocast("cpu", dtype=dtype):
        images = G(z, c, noise_mode="const")
        logits = D(images, c)
    assert images.dtype == dtype and logits.dtype == torch.float32
    assert (images.float() - reference).abs().max() < 0.1 * reference.abs().max()
    logits.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in G.parameters() if p.grad is not None)


def test_network_speed_benchmark_quick_run(capsys):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "network_speed.py"
    spec = importlib.util.spec_from_file_location("network_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--quick", "--threads", "1"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["measure"] for r in records] == ["G_fwd_bwd", "D_fwd_bwd", "G_infer"]
    assert all(r["impl"] == "modiste" and r["img_per_s"]["median"] > 0 for r in records)
