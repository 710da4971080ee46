"""Batches whose discriminator passes minibatch standard deviation cannot group are refused up front."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from modiste.errors import ModisteError
from modiste.gan.cli import train
from modiste.gan.networks.discriminator import MinibatchStdDev
from modiste.gan.training.config import TrainConfig


@pytest.mark.parametrize("batch, world, accum, images", [(32, 1, 1, 32), (28, 1, 1, 28), (3, 1, 1, 3),
                                                          (16, 4, 1, 4), (24, 2, 3, 4), (64, 2, 2, 16)])
def test_valid_batches_give_images_per_pass(batch, world, accum, images):
    assert TrainConfig(data="x", batch=batch, grad_accum=accum).validate_batch(world) == images


@pytest.mark.parametrize("batch, world, accum, images, multiple, nearest", [
    (28, 4, 1, 7, 16, "--batch 16 or 32"),  # the case: groups of 1 before
    (6, 1, 1, 6, 4, "--batch 4 or 8"),
    (12, 1, 2, 6, 8, "--batch 8 or 16"),
    (10, 2, 1, 5, 8, "--batch 8 or 16"),
])
def test_ungroupable_batches_are_refused_with_valid_sizes(batch, world, accum, images, multiple, nearest):
    with pytest.raises(ModisteError) as e:
        TrainConfig(data="x", batch=batch, grad_accum=accum).validate_batch(world)
    message = str(e.value)
    assert f"gives {images} images per discriminator pass" in message
    assert f"multiple of {multiple}, e.g. {nearest}" in message and "\n" not in message
    # the suggested sizes pass
    for size in nearest.replace("--batch ", "").split(" or "):
        TrainConfig(data="x", batch=int(size), grad_accum=accum).validate_batch(world)


def test_validate_checks_one_process_already():
    with pytest.raises(ModisteError, match="groups of 4"):
        TrainConfig(data="x", batch=6).validate()


@pytest.mark.parametrize("images", range(1, 41))
def test_every_accepted_pass_gets_groups_of_min_group_and_batch(images):
    """The grouping D uses equals stylegan2-ada's min(4, N) for every batch the config accepts."""
    try:
        TrainConfig(data="x", batch=images).validate_batch(1)
    except ModisteError:
        return
    group = min(4, images)
    x = torch.randn(images, 3, 4, 4)
    std = MinibatchStdDev(group_size=4)(x)[:, -1, 0, 0]
    # sample i is in group i % (N / group): recompute each group's statistic by hand
    groups = images // group
    for g in range(groups):
        members = x[g::groups].double()
        expected = ((members - members.mean(0)).square().mean(0) + 1e-8).sqrt().mean()
        assert torch.allclose(std[g::groups].double(), expected.expand(group), rtol=1e-5)


def test_cli_refuses_the_batch_in_one_line(tmp_path):
    result = CliRunner().invoke(train, ["--data", str(tmp_path), "--batch", "6", "--outdir", str(tmp_path / "runs")])
    assert isinstance(result.exception, ModisteError) and "multiple of 4, e.g. --batch 4 or 8" in str(result.exception)
    assert not (tmp_path / "runs").exists()
