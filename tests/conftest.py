"""Shared test fixtures. Real data comes from ../shared/data (or $MODISTE_DATA); tests never download."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("MODISTE_DATA", ROOT.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(f"shared data not found at {path}: set MODISTE_DATA to the shared/data folder")
    return path


@pytest.fixture(autouse=True)
def _small_torch_threads():
    """Keep each test on one intra-op thread: pytest-xdist already runs one worker per core."""
    import torch

    torch.set_num_threads(1)
    yield


TINY_CLASSES = ["Tshirts", "Dresses", "Jeans"]


def write_tiny_run(root: Path, class_names: list[str] | None = None, resolution: int = 16, aspect=(2, 3),
                   seed: int = 0, img_channels: int = 3) -> Path:
    """A run folder holding one snapshot of a randomly initialised tiny generator (no training).

    Random weights still map different z / classes / ws to different images, which is what the
    latent-space, product and studio tests check; they load it with `modiste.load_generator`.
    """
    import torch

    from modiste.gan.checkpoint import save_checkpoint
    from modiste.gan.networks import build_discriminator, build_generator
    from modiste.gan.networks.config import NetworkConfig

    names = list(class_names or [])
    cfg = NetworkConfig.from_preset("tiny", resolution=resolution, aspect=aspect, c_dim=len(names), class_names=names,
                                    img_channels=img_channels)
    torch.manual_seed(seed)
    G, D = build_generator(cfg), build_discriminator(cfg)
    with torch.no_grad():  # a w_avg away from 0, as after training, so truncation does something
        G.mapping.w_avg.copy_(G.mapping(torch.randn(512, G.z_dim), torch.randint(0, max(1, len(names)), (512,))
                                        if names else None)[:, 0].mean(0))
    tensors = {"G": G.state_dict(), "D": D.state_dict(), "G_ema": G.state_dict()}
    save_checkpoint(root, 0.0, tensors, {"network": cfg.to_dict()}, keep=1)
    return root


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A conditional tiny 16x24 generator run with classes TINY_CLASSES."""
    return write_tiny_run(tmp_path_factory.mktemp("tiny-cond-run"), TINY_CLASSES)


@pytest.fixture(scope="session")
def tiny_run_uncond(tmp_path_factory) -> Path:
    """An unconditional tiny 16x24 generator run."""
    return write_tiny_run(tmp_path_factory.mktemp("tiny-uncond-run"), None, seed=1)


@pytest.fixture(scope="session")
def make_tiny_run():
    """The `write_tiny_run` function, for tests that lay out their own runs folders."""
    return write_tiny_run


@pytest.fixture(scope="session")
def tiny_text_model(shared_data, tmp_path_factory) -> Path:
    """A scratch-tiny description model (products, studio): 4 steps on 200 real Myntra descriptions."""
    import torch

    from modiste.text.train import TrainConfig, train

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("text-model") / "run"
    train(TrainConfig(corpus=str(shared_data / "text" / "myntra_products_catalog.csv"), out=str(out),
                      text_column="Description", context_columns=("Product_Name",), base="scratch-tiny",
                      max_steps=4, eval_every=4, eval_examples=16, max_records=200, batch_size=8, block_size=64,
                      warmup_steps=1, lr=3e-3, progress=False, device="cpu"))
    return out


@pytest.fixture(scope="session")
def tiny_tagger(tmp_path_factory) -> Path:
    """A tagger (products, studio) for the installed Inception, heads fitted on random features (fixed answers)."""
    import numpy as np
    import torch

    from modiste.metrics.inception import resolve_weights
    from modiste.products.tagger.heads import train_head
    from modiste.products.tagger.model import AttributeSpec, Tagger

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(90, 2048)), dtype=torch.float32)
    specs, heads = [], {}
    for name, classes in {"articleType": ["Dresses", "Jeans", "Tshirts"], "baseColour": ["Black", "Navy Blue", "Red"],
                          "gender": ["Men", "Women"]}.items():
        y = np.arange(90) % len(classes)
        heads[name] = train_head(x, y, len(classes), max_iter=20)
        specs.append(AttributeSpec(name, classes, {}, 1.0, 0.0))
    folder = tmp_path_factory.mktemp("tagger") / "t"
    Tagger(specs, heads, {"name": "fid-inception-v3-pool3", "weights_sha256": resolve_weights()[1],
                          "resize": "clean"}).save(folder)
    return folder
