"""Latent walks: slerp, schedule, keyframes equal generated seeds, class walks, video files."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent import load_latents, map_to_ws
from modiste.latent.walks import (
    frame_schedule, grid_seeds, keyframe_frames, parse_grid, plan_walk, render_frames, slerp, walk_ws,
)
from modiste.latent.video import write_video


def test_slerp_keeps_the_norm_and_the_endpoints():
    torch.manual_seed(0)
    a = torch.randn(5, 64, dtype=torch.float64)
    b = torch.randn(5, 64, dtype=torch.float64)
    b = b / b.norm(dim=1, keepdim=True) * a.norm(dim=1, keepdim=True)  # same norms
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        mid = slerp(a, b, t)
        assert torch.allclose(mid.norm(dim=1), a.norm(dim=1), rtol=1e-9)
    assert torch.equal(slerp(a, b, 0.0), a) and torch.equal(slerp(a, b, 1.0), b)
    # the angle to a grows linearly with t (constant angular speed)
    cos = lambda u, v: (u * v).sum(1) / (u.norm(dim=1) * v.norm(dim=1))
    omega = torch.arccos(cos(a, b))
    assert torch.allclose(torch.arccos(cos(a, slerp(a, b, 0.3)).clamp(-1, 1)), 0.3 * omega, atol=1e-7)
    # parallel rows fall back to lerp
    assert torch.allclose(slerp(a[:1], 2 * a[:1], 0.5), 1.5 * a[:1])


def test_schedule_puts_keyframes_on_frames():
    assert keyframe_frames(3, 9, loop=False) == [0, 4, 8]
    assert keyframe_frames(3, 9, loop=True) == [0, 3, 6]
    src, dst, t = frame_schedule(3, 9, loop=True)
    assert src.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] and dst.tolist() == [1, 1, 1, 2, 2, 2, 0, 0, 0]
    assert torch.allclose(t, torch.tensor([0, 1 / 3, 2 / 3] * 3, dtype=torch.float64))
    src, dst, t = frame_schedule(2, 5, loop=False)
    assert t.tolist() == [0, 0.25, 0.5, 0.75, 1.0] and dst.tolist()[-1] == 1
    for bad in ((1, 10, False), (4, 3, False)):
        with pytest.raises(ModisteError):
            keyframe_frames(*bad)


@pytest.mark.parametrize("space", ["z", "w"])
def test_walk_keyframes_equal_the_seeds_images(tiny_run, space):
    G = modiste.load_generator(tiny_run)
    seeds = [1, 5, 9]
    ws = walk_ws(G, seeds, ["Dresses"], frames=7, space=space, truncation_psi=0.7)
    keys = keyframe_frames(3, 7, loop=False)
    c = torch.tensor([1, 1, 1])
    expect = map_to_ws(G, latents_for_seeds(seeds, G.z_dim), c, 0.7)
    assert torch.allclose(ws[keys], expect, atol=1e-5)
    got = to_uint8(G.synthesis(ws[keys], noise_mode="const")).int()
    own = to_uint8(G(latents_for_seeds(seeds, G.z_dim), c, truncation_psi=1.0, noise_mode="const")).int()
    if space == "z":  # untruncated walk against plain G(z, c)
        ws1 = walk_ws(G, seeds, ["Dresses"], frames=7, space=space)
        got = to_uint8(G.synthesis(ws1[keys], noise_mode="const")).int()
    else:
        own = to_uint8(G.synthesis(expect, noise_mode="const")).int()
    assert (got - own).abs().max() <= 1
    # between keyframes the frames differ from both ends
    assert (ws[1] - ws[0]).abs().max() > 1e-4 and (ws[1] - ws[3]).abs().max() > 1e-4


def test_w_walk_is_linear_in_w(tiny_run):
    G = modiste.load_generator(tiny_run)
    ws = walk_ws(G, [2, 3], ["Jeans"], frames=5, space="w")
    assert torch.allclose(ws[2], 0.5 * (ws[0] + ws[4]), atol=1e-6)


def test_class_walk_endpoints_equal_each_class(tiny_run):
    G = modiste.load_generator(tiny_run)
    ws = walk_ws(G, [4], ["Tshirts", "Jeans"], frames=6, space="z")
    z = latents_for_seeds([4], G.z_dim)
    assert torch.allclose(ws[0], G.mapping(z, torch.tensor([0]))[0], atol=1e-6)
    assert torch.allclose(ws[-1], G.mapping(z, torch.tensor([2]))[0], atol=1e-6)
    # the midpoint is the half-and-half soft label, not either class
    half = torch.tensor([[0.5, 0.0, 0.5]])
    mid = walk_ws(G, [4], ["Tshirts", "Jeans"], frames=3, space="z")[1]
    assert torch.allclose(mid, G.mapping(z, half)[0], atol=1e-6)
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        walk_ws(G, [4], ["Tshirts", "Coats"], frames=6)
    with pytest.raises(ModisteError, match="as many"):
        walk_ws(G, [1, 2, 3], ["Tshirts", "Jeans"], frames=6)


def test_grid_cells_walk_different_seeds(tiny_run):
    assert grid_seeds([1, 5, 9], 3) == [[1, 5, 9], [11, 15, 19], [21, 25, 29]]
    assert parse_grid("2x3") == (2, 3)
    with pytest.raises(ModisteError):
        parse_grid("3by3")
    G = modiste.load_generator(tiny_run)
    walk = plan_walk(G, seeds=[1, 5], class_names=["Tshirts"], frames=4, grid=(1, 2))
    frames = list(render_frames(G, walk, batch=3))
    assert len(frames) == 4 and frames[0].shape == (G.cfg.height, 2 * G.cfg.width, 3)
    left = to_uint8(G.synthesis(walk.ws[0, :1], noise_mode="const"))[0].permute(1, 2, 0).numpy()
    assert np.array_equal(frames[0][:, :G.cfg.width], left)
    assert torch.allclose(walk.ws[1, 0], map_to_ws(G, latents_for_seeds([7], G.z_dim), torch.tensor([0]))[0], atol=1e-5)


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_video_files_decode_to_the_right_frames(tmp_path, suffix):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (24, 17, 3), dtype=np.uint8) for _ in range(9)]  # odd width
    path = tmp_path / f"v{suffix}"
    assert write_video(iter(frames), path, fps=12) == 9
    if suffix == ".mp4":
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        assert meta["size"] == (18, 24) and sum(1 for _ in reader) == 9  # padded to even width
    else:
        with Image.open(path) as im:
            assert im.n_frames == 9 and im.size == (17, 24)
            assert im.info["duration"] in (80, 83, 90)  # 1000 / 12 ms in GIF's 10 ms steps
    assert not list(tmp_path.glob(".*tmp"))


def test_cli_walk_writes_video_and_latents(tiny_run, tmp_path):
    out = tmp_path / "walk.gif"
    main(["walk", "--checkpoint", str(tiny_run), "--seeds", "1,5", "--class", "Jeans", "--frames", "5",
          "--loop", "--out", str(out), "--quiet", "--grid", "1x2"])
    with Image.open(out) as im:
        assert im.n_frames == 5 and im.size == (32, 24)
    G = modiste.load_generator(tiny_run)
    frames = load_latents(tmp_path / "walk", G)
    assert frames.latents.shape == (10, G.num_ws, G.w_dim) and frames.classes == ["Jeans"] * 10


@pytest.mark.parametrize("argv, message", [
    (["--class", "Coats"], "Tshirts, Dresses, Jeans"),
    (["--out", "walk.avi"], ".mp4 or .gif"),
    (["--grid", "3y3"], "ROWSxCOLS"),
    (["--frames", "1"], "at least 2"),
])
def test_cli_walk_bad_input(tiny_run, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["walk", "--checkpoint", str(tiny_run), "--seeds", "1,2", "--class", "Jeans", "--out", "walk.mp4",
              "--quiet"] + argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_walk_class_on_unconditional_and_unwritable_folder(tiny_run_uncond, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["walk", "--checkpoint", str(tiny_run_uncond), "--seeds", "1,2", "--class", "Jeans",
              "--out", str(tmp_path / "w.mp4"), "--quiet"])
    assert "drop --class" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit):
        main(["walk", "--checkpoint", str(tiny_run_uncond), "--seeds", "1,2", "--out", str(tmp_path / "file" / "w.mp4"),
              "--quiet"])
    assert "is a file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_walk_through_a_latents_file_in_z_and_in_w(tiny_run, tmp_path):
    from modiste.latent import LatentSet, generator_identity, save_latents

    G = modiste.load_generator(tiny_run)
    z = latents_for_seeds([1, 5], G.z_dim)
    save_latents(tmp_path / "z", LatentSet("z", z, generator_identity(G), ["Tshirts", "Jeans"], [1, 5]))
    main(["walk", "--checkpoint", str(tiny_run), "--latents", str(tmp_path / "z"), "--frames", "4",
          "--out", str(tmp_path / "zw.gif"), "--quiet"])
    frames = load_latents(tmp_path / "zw", G).latents
    assert torch.allclose(frames[0], G.mapping(z[:1], torch.tensor([0]))[0], atol=1e-6)
    assert torch.allclose(frames[-1], G.mapping(z[1:], torch.tensor([2]))[0], atol=1e-6)
    ws = frames[[0, 3]]
    save_latents(tmp_path / "wp", LatentSet("w+", ws, generator_identity(G)))
    main(["walk", "--checkpoint", str(tiny_run), "--latents", str(tmp_path / "wp"), "--frames", "3",
          "--out", str(tmp_path / "sub" / "ww.mp4"), "--quiet"])  # W+ file: walked in W by default
    mid = load_latents(tmp_path / "sub" / "ww", G).latents[1]
    assert torch.allclose(mid, 0.5 * (ws[0] + ws[1]), atol=1e-6)
    with pytest.raises(SystemExit):
        main(["walk", "--checkpoint", str(tiny_run), "--latents", str(tmp_path / "wp"), "--space", "z",
              "--frames", "3", "--out", str(tmp_path / "bad.mp4"), "--quiet"])
    assert not (tmp_path / "bad.mp4").exists()
