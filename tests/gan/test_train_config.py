import pytest

from modiste.errors import ModisteError
from modiste.gan.training.config import TrainConfig


def test_resolve_fills_gamma_and_ema_from_resolution_and_batch():
    cfg = TrainConfig(data="x", resolution=64, batch=16).resolve()
    assert cfg.r1_gamma == pytest.approx(0.0002 * 64**2 / 16)
    assert cfg.ema_kimg == pytest.approx(16 * 10 / 32)
    cfg2 = TrainConfig(data="x", r1_gamma=1.5, ema_kimg=3.0).resolve()
    assert (cfg2.r1_gamma, cfg2.ema_kimg) == (1.5, 3.0)


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (dict(resolution=48), "power of two"),
        (dict(resolution=2048), "power of two"),
        (dict(aspect="3:4"), "aspect"),
        (dict(preset="huge"), "preset"),
        (dict(arch="biggan"), "arch"),
        (dict(aug="mixup"), "--aug"),
        (dict(batch=0), "--batch"),
        (dict(kimg=-1), "--kimg"),
        (dict(style_mixing=1.5), "--style-mixing"),
        (dict(ada_target=1.0), "--ada-target"),
        (dict(labels="l.csv"), "--cond"),
        (dict(precision="fp8"), "--precision"),
    ],
)
def test_nonsense_values_get_one_line_errors(overrides, fragment):
    with pytest.raises(ModisteError) as e:
        TrainConfig(data="x", **overrides).validate()
    assert fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_dict_round_trip_and_unknown_keys():
    cfg = TrainConfig(data="d", metrics=["fid10k"]).resolve()
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ModisteError, match="unknown config keys"):
        TrainConfig.from_dict({"data": "d", "learning_rate": 1})


def test_network_config_follows_preset_and_overrides():
    net = TrainConfig(data="d", preset="tiny", resolution=16, aspect="2:3", channel_max=64).network_config(1, ["a", "b"])
    assert (net.height, net.width, net.c_dim, net.img_channels, net.channel_max) == (24, 16, 2, 1, 64)
