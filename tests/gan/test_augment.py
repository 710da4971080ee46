"""DiffAugment, ADA and the ADA tuner: statistics, exactness, gradients, shapes and DDP agreement."""

from __future__ import annotations

import math
import os
import socket
import time

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn as nn

from modiste.errors import ModisteError
from modiste.gan.augment import AdaptiveAugment, AdaStrengths, AdaTuner, DiffAugment, build_augment, diff_augment
from modiste.gan.augment.diffaugment import cutout_mask, translation


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def index_image(n: int, h: int, w: int) -> torch.Tensor:
    """Each pixel holds its own flat index + 1 (so 0 means 'padding')."""
    return (torch.arange(h * w, dtype=torch.float32) + 1).view(1, 1, h, w).repeat(n, 1, 1, 1)


# --- DiffAugment ---------------------------------------------------------------------------------


@pytest.mark.parametrize("h, w", [(16, 16), (24, 16)])
def test_translation_shifts_whole_pixels_with_zero_padding(h, w):
    n = 256
    x = index_image(n, h, w)
    out = translation(x, generator=seeded(1))[:, 0]
    max_dy, max_dx = int(h * 0.125 + 0.5), int(w * 0.125 + 0.5)
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    shifts = set()
    for i in range(n):
        kept = out[i] > 0
        src = out[i][kept].long() - 1
        dy = ys[kept] - src // w
        dx = xs[kept] - src % w
        assert (dy == dy[0]).all() and (dx == dx[0]).all(), "one integer shift per sample"
        dy, dx = int(dy[0]), int(dx[0])
        assert abs(dy) <= max_dy and abs(dx) <= max_dx
        assert kept.sum() == (h - abs(dy)) * (w - abs(dx)), "uncovered border is zero"
        shifts.add((dy, dx))
    assert len(shifts) > 0.8 * (2 * max_dy + 1) * (2 * max_dx + 1), "all shifts occur"


def test_cutout_box_size_and_coverage():
    n, h, w = 4000, 24, 16  # 2:3 portrait
    mask = cutout_mask(torch.zeros(n, 3, h, w), generator=seeded(2))[:, 0]
    box_h, box_w = 12, 8
    removed = (mask == 0).flatten(1).sum(1)
    rows = (mask == 0).any(dim=2).sum(1)
    cols = (mask == 0).any(dim=1).sum(1)
    assert torch.equal(removed, rows * cols), "the removed region is one rectangle"
    assert (rows <= box_h).all() and (rows >= box_h // 2).all()
    assert (cols <= box_w).all() and (cols >= box_w // 2).all()

    # expected covered rows for a box centre uniform over the rows, clipped at the borders
    def mean_cover(side: int, box: int) -> float:
        return sum(min(side, c - box // 2 + box) - max(0, c - box // 2) for c in range(side)) / side

    expected = mean_cover(h, box_h) * mean_cover(w, box_w) / (h * w)
    assert removed.float().mean().item() / (h * w) == pytest.approx(expected, rel=0.03)


def test_diffaugment_color_on_a_flat_image_is_a_bounded_brightness_shift():
    x = torch.full((2000, 3, 4, 4), 0.25)
    out = diff_augment(x, "color", generator=seeded(3))
    shift = out - x
    per_sample = shift.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-6)
    assert per_sample.min() >= -0.5 - 1e-6 and per_sample.max() <= 0.5 + 1e-6
    assert per_sample[:, 0].mean().item() == pytest.approx(0.0, abs=0.03)
    assert per_sample[:, 0].std().item() == pytest.approx(1 / math.sqrt(12), rel=0.08)


def test_diffaugment_saturation_and_contrast_change_structure():
    x = torch.randn(64, 3, 8, 8, generator=seeded(4))
    out = diff_augment(x, "color", generator=seeded(5))
    # brightness adds a constant, so the spread around the per-sample mean is set by sat/contrast
    ratio = (out - out.mean(dim=(1, 2, 3), keepdim=True)).std(dim=(1, 2, 3)) / x.std(dim=(1, 2, 3))
    assert ratio.min() < 0.7 and ratio.max() > 1.3


def test_diffaugment_unknown_policy_is_a_clear_error():
    with pytest.raises(ModisteError, match="color, translation, cutout"):
        DiffAugment("color,flip")


# --- ADA geometry and colour ---------------------------------------------------------------------


def test_ada_p0_is_exactly_the_identity():
    x = torch.randn(4, 3, 16, 16)
    assert AdaptiveAugment(p=0.0)(x) is x
    assert build_augment("none")(x) is x


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("h, w", [(16, 16), (24, 16)])
def test_ada_blit_ops_only_move_whole_pixels(h, w, interpolation):
    x = index_image(64, h, w)
    out = AdaptiveAugment(p=1.0, pipeline="b", interpolation=interpolation)(x, generator=seeded(6))[:, 0]
    # every output pixel is an input pixel (no interpolation), up to float error
    assert torch.allclose(out, out.round(), atol=1e-3)
    assert out.min() >= 1 - 1e-3 and out.max() <= h * w + 1e-3
    changed = (out != x[:, 0]).flatten(1).any(1)
    assert changed.float().mean() > 0.8
    if h != w:
        # portrait canvas: only flips and 0/180 degree turns, so every output row comes from one input row
        src_rows = (out.round().long() - 1) // w
        assert (src_rows == src_rows[:, :, :1]).all()


def test_ada_geometric_is_one_resample_that_keeps_content():
    # a smooth image under mild scale/rotation keeps its mean and most of its detail
    y, x = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing="ij")
    img = torch.cos(2 * x + y)[None, None].repeat(256, 1, 1, 1)
    out = AdaptiveAugment(p=1.0, pipeline="g")(img, generator=seeded(7))
    assert out.shape == img.shape and torch.isfinite(out).all()
    assert out.min() >= img.min() - 1e-5 and out.max() <= img.max() + 1e-5, "bilinear + mirror never overshoots"
    per_sample_change = (out - img).abs().flatten(1).mean(1)
    assert per_sample_change.unique().numel() > 200, "each sample gets its own transform"


def test_ada_grey_rgb_matches_grey_single_channel():
    """A grey RGB image stays grey under every colour op, and equals the 1-channel result."""
    grey = torch.rand(32, 1, 24, 16, generator=seeded(8)) * 2 - 1
    ada = AdaptiveAugment(p=0.8)
    out_rgb = ada(grey.repeat(1, 3, 1, 1), generator=seeded(9))
    out_grey = ada(grey, generator=seeded(9))
    assert out_grey.shape == (32, 1, 24, 16)
    torch.testing.assert_close(out_rgb[:, 0:1], out_rgb[:, 1:2], atol=1e-5, rtol=0)
    torch.testing.assert_close(out_rgb[:, 0:1], out_grey, atol=1e-5, rtol=0)


def test_ada_hue_rotation_preserves_luma_and_chroma():
    # with only hue on, the mean channel (projection on the grey axis) and the distance to it stay
    strengths = AdaStrengths(brightness_std=0, contrast_std=0, saturation_std=0)
    x = torch.rand(128, 3, 4, 4, generator=seeded(10)) * 2 - 1
    ada = AdaptiveAugment(p=1.0, pipeline="c", strengths=strengths)
    out = ada(x, generator=seeded(11))
    # luma flip may negate the grey component: compare magnitudes
    torch.testing.assert_close(out.mean(1).abs(), x.mean(1).abs(), atol=1e-5, rtol=0)
    chroma = lambda t: (t - t.mean(1, keepdim=True)).norm(dim=1)  # noqa: E731
    torch.testing.assert_close(chroma(out), chroma(x), atol=1e-5, rtol=0)
    assert (out - x).abs().max() > 0.1


def test_ada_strength_of_p_sets_how_often_images_change():
    x = torch.randn(2000, 3, 8, 8, generator=seeded(12))
    untouched = []
    for p in (0.02, 0.2, 0.6):
        out = AdaptiveAugment(p=p)(x, generator=seeded(13))
        untouched.append(((out - x).abs().flatten(1).amax(1) < 1e-4).float().mean().item())
    assert untouched[0] > 0.75 and untouched[0] > untouched[1] > untouched[2]
    assert untouched[2] < 0.05


AUGMENTERS = {
    "diffaugment": lambda: build_augment("diffaugment"),
    "ada_bilinear": lambda: build_augment("ada", p=0.7),
    "ada_bicubic": lambda: build_augment("ada", p=0.7, interpolation="bicubic"),
}


@pytest.mark.parametrize("name", AUGMENTERS)
@pytest.mark.parametrize("shape", [(2, 3, 6, 4), (2, 1, 6, 4)])
def test_augment_is_differentiable(name, shape):
    """Exact gradients (gradcheck in float64) for a fixed random draw, on 2:3 RGB and grey images."""
    aug = AUGMENTERS[name]()
    x = torch.randn(shape, dtype=torch.float64, generator=seeded(14), requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: aug(t, generator=seeded(15)), (x,), eps=1e-6, atol=1e-5, fast_mode=True)


def test_r1_double_backward_through_ada():
    """R1 takes the gradient through the augmentation with create_graph, then backprops into D."""
    from modiste.gan.training.losses import r1_penalty

    D = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(4 * 12 * 8, 1))
    x = torch.randn(4, 3, 12, 8, requires_grad=True)
    penalty = r1_penalty(x, D(AdaptiveAugment(p=0.9)(x, generator=seeded(16))))
    penalty.backward()
    for weight in (D[0].weight, D[3].weight):  # the biases do not change D's input gradient
        assert torch.isfinite(weight.grad).all() and weight.grad.abs().sum() > 0


@pytest.mark.parametrize("kind", ["diffaugment", "ada"])
def test_augment_is_deterministic_given_a_seed(kind):
    aug = build_augment(kind, p=0.5)
    x = torch.randn(8, 3, 24, 16, generator=seeded(17))
    torch.testing.assert_close(aug(x, generator=seeded(1)), aug(x, generator=seeded(1)))
    assert not torch.allclose(aug(x, generator=seeded(1)), aug(x, generator=seeded(2)))
    torch.manual_seed(3)
    a = aug(x)
    torch.manual_seed(3)
    torch.testing.assert_close(a, aug(x))


@pytest.mark.parametrize("kind", ["diffaugment", "ada"])
def test_augment_under_mixed_precision_keeps_pixels_in_place(kind):
    """Autocast must not push the transform maths to bf16 (a whole-pixel error at 256 px)."""
    aug = build_augment(kind, p=0.6)
    x = torch.rand(4, 3, 256, 256, generator=seeded(18)) * 2 - 1
    reference = aug(x, generator=seeded(19))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        torch.testing.assert_close(aug(x, generator=seeded(19)), reference)
        low = aug(x.bfloat16(), generator=seeded(19))
    assert low.dtype == torch.bfloat16
    torch.testing.assert_close(low.float(), reference, atol=0.05, rtol=0.02)


def test_build_augment_and_ada_validation():
    assert isinstance(build_augment("ada", p=0.3), AdaptiveAugment)
    assert "p" in build_augment("ada").state_dict()
    assert isinstance(build_augment("diffaugment"), DiffAugment)
    bad_calls = (lambda: build_augment("mixup"), lambda: AdaptiveAugment(pipeline="bgx"), lambda: AdaptiveAugment(p=1.5),
                 lambda: AdaptiveAugment(interpolation="nearest"))
    for bad in bad_calls:
        with pytest.raises(ModisteError):
            bad()
    with pytest.raises(ModisteError, match="1- or 3-channel"):
        AdaptiveAugment(p=0.5)(torch.zeros(1, 4, 8, 8))


# --- ADA tuner -----------------------------------------------------------------------------------


def test_tuner_raises_p_when_d_is_overconfident_and_lowers_it_otherwise():
    ada = AdaptiveAugment(p=0.5)
    tuner = AdaTuner(ada, target=0.6, interval=4, ada_kimg=1)  # 1 kimg: p moves fast
    confident = torch.full((8, 1), 3.0)  # sign = +1 -> r_t = 1 > 0.6
    assert [tuner.observe(confident) for _ in range(4)] == [False, False, False, True]
    assert tuner.r_t == 1.0
    assert ada.p.item() == pytest.approx(0.5 + 32 / 1000)
    unsure = torch.tensor([[1.0], [-1.0], [2.0], [-0.5]])  # r_t = 0 < 0.6
    for _ in range(4):
        tuner.observe(unsure)
    assert tuner.r_t == 0.0
    assert ada.p.item() == pytest.approx(0.532 - 16 / 1000)


def test_tuner_clamps_p_to_unit_interval():
    ada = AdaptiveAugment(p=0.0)
    tuner = AdaTuner(ada, interval=1, ada_kimg=0.001)  # each step moves p by 8 / 1
    tuner.observe(-torch.ones(8, 1))
    assert ada.p.item() == 0.0
    tuner.observe(torch.ones(8, 1))
    assert ada.p.item() == 1.0
    assert tuner.p == 1.0


def test_tuner_at_target_leaves_p_alone():
    ada = AdaptiveAugment(p=0.25)
    tuner = AdaTuner(ada, target=0.5, interval=1)
    tuner.observe(torch.tensor([[1.0], [1.0], [1.0], [-1.0]]))  # r_t = 0.5 exactly
    assert ada.p.item() == 0.25 and tuner.r_t == 0.5


def test_tuner_closed_loop_settles_where_r_t_meets_the_target():
    """A simulated D whose confidence on reals falls as augmentation grows: r_t(p) = 1 - p.
    With target 0.6 the controller must climb to p = 0.4 and stay within one step of it."""
    ada = AdaptiveAugment(p=0.0)
    tuner = AdaTuner(ada, target=0.6, interval=4, ada_kimg=10)  # step = 4 * 64 / 10k = 0.0256
    trace = []
    for _ in range(80 * 4):
        positives = round(64 * (1 + (1 - tuner.p)) / 2)  # E[sign] = 1 - p
        logits = torch.cat([torch.ones(positives, 1), -torch.ones(64 - positives, 1)])
        if tuner.observe(logits):
            trace.append(tuner.p)
    assert trace[:10] == sorted(trace[:10]), "p climbs while D is overconfident"
    assert all(abs(p - 0.4) <= 0.0256 + 1e-6 for p in trace[-40:])


def test_tuner_state_round_trip_resumes_exactly():
    logits = [torch.randn(8, 1, generator=seeded(i)) + 1.0 for i in range(8)]
    straight = AdaTuner(AdaptiveAugment(p=0.3), interval=4, ada_kimg=1)
    for batch in logits:
        straight.observe(batch)
    first_ada = AdaptiveAugment(p=0.3)
    first = AdaTuner(first_ada, interval=4, ada_kimg=1)
    for batch in logits[:6]:  # stop between two updates
        first.observe(batch)
    resumed_ada = AdaptiveAugment()
    resumed_ada.load_state_dict(first_ada.state_dict())
    resumed = AdaTuner(resumed_ada, interval=4, ada_kimg=1)
    resumed.load_state_dict(first.state_dict())
    assert resumed.r_t == first.r_t
    for batch in logits[6:]:
        resumed.observe(batch)
    assert resumed.p == pytest.approx(straight.p, abs=1e-7) and resumed.r_t == pytest.approx(straight.r_t)
    assert resumed.p != 0.3


def test_tuner_validation():
    with pytest.raises(ModisteError):
        AdaTuner(DiffAugment())
    with pytest.raises(ModisteError):
        AdaTuner(AdaptiveAugment(), interval=0)


# --- DDP: all ranks agree on p and on pl_mean ----------------------------------------------------


def _ddp_worker(rank: int, world: int, port: int, results) -> None:
    import torch.distributed as dist

    from modiste.gan.training.losses import PathLengthRegularizer

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        ada = AdaptiveAugment(p=0.5)
        tuner = AdaTuner(ada, target=0.6, interval=2, ada_kimg=1)
        # rank 0 sees only positive logits, rank 1 only negative: globally r_t = (8 - 24) / 32 = -0.5
        logits = torch.ones(4, 1) if rank == 0 else -torch.ones(12, 1)
        tuner.observe(logits)
        tuner.observe(logits)
        reg = PathLengthRegularizer()
        ws = torch.randn(3, 2, 4, generator=seeded(rank)).requires_grad_(True)
        img = (ws.flatten(1) * (rank + 1)).view(3, 1, 2, 4)  # rank 1's paths are twice as long
        reg(img, ws)
        results.put((rank, tuner.r_t, ada.p.item(), reg.pl_mean.item(), reg.last_lengths.mean().item()))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_ranks_agree_on_ada_p_and_pl_mean():
    # fork, not spawn: the children reuse the already imported torch (spawn costs seconds per child)
    ctx = mp.get_context("fork")
    results = ctx.SimpleQueue()
    workers = mp.start_processes(_ddp_worker, args=(2, _free_port(), results), nprocs=2, join=False, start_method="fork")
    deadline = time.monotonic() + 120
    while not workers.join(timeout=1):
        if time.monotonic() > deadline:
            for proc in workers.processes:
                proc.kill()
            pytest.fail("DDP workers did not finish in 120 s")
    rows = dict((row[0], row[1:]) for row in (results.get(), results.get()))
    (r0, p0, pl0, len0), (r1, p1, pl1, len1) = rows[0], rows[1]
    assert r0 == r1 == pytest.approx(-0.5)
    assert p0 == p1 == pytest.approx(0.5 - 32 / 1000)
    assert pl0 == pl1 == pytest.approx(0.01 * (len0 + len1) / 2, rel=1e-5)
