"""Mix, directions, walk and projection jobs through the API, with their bad inputs."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image


def wait_job(client, job_id, seconds=120):
    end = time.time() + seconds
    while time.time() < end:
        st = client.get(f"/api/jobs/{job_id}").json()
        if st["status"] in ("done", "failed", "cancelled"):
            return st
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {st}")


def test_mix_grid_is_a_labelled_png(client):
    r = client.post("/api/mix", json={"model": "cond", "rows": [1, 2], "cols": [3], "layers": "coarse", "class": "Jeans"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    im = Image.open(io.BytesIO(r.content))
    assert im.width > 2 * 16 and im.height > 3 * 24  # 2 x 3 cells plus label bands
    bad = client.post("/api/mix", json={"model": "cond", "rows": [1], "cols": [3], "layers": "40-50", "class": "Jeans"})
    assert bad.status_code == 400 and "layer" in bad.json()["error"]


def test_find_directions_then_listed(client):
    r = client.post("/api/directions", json={"model": "uncond", "method": "sefa", "num": 3})
    assert r.status_code == 200, r.text
    assert r.json()["directions"] == ["sefa:sefa_0", "sefa:sefa_1", "sefa:sefa_2"]
    info = client.get("/api/models/uncond").json()
    assert info["directions"][:3] == ["sefa:sefa_0", "sefa:sefa_1", "sefa:sefa_2"]


def test_walk_job_writes_a_gif_with_the_frames(client):
    r = client.post("/api/jobs", json={"kind": "walk", "params": {"model": "uncond", "seeds": [1, 2], "frames": 6,
                                                                   "format": "gif"}})
    assert r.status_code == 202, r.text
    st = wait_job(client, r.json()["id"])
    assert st["status"] == "done" and "walk.gif" in st["files"] and st["result"]["frames"] == 6
    gif = client.get(f"/api/jobs/{st['id']}/files/walk.gif")
    im = Image.open(io.BytesIO(gif.content))
    assert im.n_frames == 6 and im.size == (16, 24)


@pytest.mark.parametrize("params, status, words", [
    ({"model": "uncond", "seeds": [1], "frames": 6}, 422, "seeds"),
    ({"model": "uncond", "seeds": [1, 2], "frames": 100000}, 422, "frames"),
    ({"model": "nope", "seeds": [1, 2]}, 404, "unknown model"),
    ({"model": "cond", "seeds": [1, 2], "class": "Coats"}, 400, "Tshirts"),
])
def test_bad_walk_jobs_are_refused_before_queueing(client, params, status, words):
    r = client.post("/api/jobs", json={"kind": "walk", "params": params})
    assert r.status_code == status and words.lower() in r.json()["error"].lower()
    assert client.get("/api/jobs").json()["jobs"] == []


def test_job_queue_full_is_503_with_retry_after(client):
    import threading

    jobs = client.app.state.studio.jobs
    gate = threading.Event()
    blockers = [jobs.submit("block", lambda ctx: (gate.wait(30), [])[1])]
    while blockers[0].status != "running":
        time.sleep(0.01)
    blockers += [jobs.submit("block", lambda ctx: []) for _ in range(client.app.state.studio.config.queue_size)]
    r = client.post("/api/jobs", json={"kind": "walk", "params": {"model": "uncond", "seeds": [1, 2], "frames": 4}})
    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0 and "full" in r.json()["error"]
    gate.set()
    assert all(wait_job(client, b.id)["status"] == "done" for b in blockers)
    r = client.post("/api/jobs", json={"kind": "walk", "params": {"model": "uncond", "seeds": [1, 2], "frames": 4}})
    assert r.status_code == 202


def test_projection_job_then_edit_the_photo(client):
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 30, 30)).save(buf, format="JPEG")
    up = client.post("/api/uploads", files={"file": ("dress.jpg", buf.getvalue(), "image/jpeg")}).json()
    r = client.post("/api/jobs", json={"kind": "project", "params": {"model": "uncond", "upload": up["upload"],
                                                                      "steps": 4, "space": "w+"}})
    assert r.status_code == 202, r.text
    st = wait_job(client, r.json()["id"], 300)
    assert st["status"] == "done", st
    assert {"comparison.png", "photo.safetensors", "photo.json"} <= set(st["files"])
    assert set(st["result"]["scores"]) >= {"psnr_db", "ms_ssim"}
    missing = client.post("/api/jobs", json={"kind": "project", "params": {"model": "uncond", "upload": "0" * 32}})
    assert missing.status_code == 404 and "upload" in missing.json()["error"]
    client.post("/api/directions", json={"model": "uncond", "method": "sefa", "num": 2})
    recon = np.asarray(Image.open(io.BytesIO(client.get(f"/api/jobs/{st['id']}/files/photo-reconstruction.png").content)))
    same = client.post("/api/edit", json={"model": "uncond", "latents": st["id"], "edits": []})
    edited = client.post("/api/edit", json={"model": "uncond", "latents": st["id"],
                                            "edits": [{"direction": "sefa:sefa_0", "strength": 3}]})
    same_px, edited_px = (np.asarray(Image.open(io.BytesIO(r.content))).astype(int) for r in (same, edited))
    assert np.abs(same_px - recon.astype(int)).max() <= 1  # the projected photo, as reconstructed
    assert np.abs(edited_px - same_px).mean() > 1.0


def test_edit_moves_the_image_and_zero_is_identity(client):
    client.post("/api/directions", json={"model": "cond", "method": "ganspace", "num": 2})
    base = {"model": "cond", "seed": 3, "class": "Dresses", "truncation": 0.7}
    plain = client.post("/api/generate", json={"model": "cond", "seeds": [3], "class": "Dresses", "truncation": 0.7})
    zero = client.post("/api/edit", json={**base, "edits": [{"direction": "ganspace:pc_0", "strength": 0}]})
    moved = client.post("/api/edit", json={**base, "edits": [{"direction": "ganspace:pc_0", "strength": 3}]})
    a, b, c = (np.asarray(Image.open(io.BytesIO(r.content))).astype(int) for r in (plain, zero, moved))
    assert np.abs(a - b).max() <= 1 and np.abs(b - c).mean() > 1.0
    unknown = client.post("/api/edit", json={**base, "edits": [{"direction": "ganspace:pc_9", "strength": 1}]})
    assert unknown.status_code == 400 and "pc_0" in unknown.json()["error"]
    no_set = client.post("/api/edit", json={**base, "edits": [{"direction": "nope:x", "strength": 1}]})
    assert no_set.status_code == 404 and "ganspace:pc_0" in no_set.json()["error"]
    huge = client.post("/api/edit", json={**base, "edits": [{"direction": "ganspace:pc_0", "strength": 1e9}]})
    assert huge.status_code == 422
    both = client.post("/api/edit", json={**base, "latents": "0" * 32, "edits": []})
    assert both.status_code == 400 and "exactly one" in both.json()["error"]


def test_grey_generators_are_served_everywhere(make_tiny_run, tmp_path):
    """A one-channel generator (Fashion-MNIST) gives L-mode PNGs from generate, mix and edit."""
    from fastapi.testclient import TestClient

    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    runs = tmp_path / "runs"
    make_tiny_run(runs / "grey", None, img_channels=1)
    with TestClient(create_app(ServeConfig(runs=runs, storage=tmp_path / "s")), raise_server_exceptions=False) as c:
        assert c.post("/api/directions", json={"model": "grey", "method": "sefa", "num": 2}).status_code == 200
        for url, body in [("/api/generate", {"seeds": [1]}), ("/api/mix", {"rows": [1], "cols": [2]}),
                          ("/api/edit", {"seed": 1, "edits": [{"direction": "sefa:sefa_0", "strength": 2}]})]:
            r = c.post(url, json={"model": "grey", **body})
            assert r.status_code == 200, (url, r.text)
            assert Image.open(io.BytesIO(r.content)).mode in ("L", "RGB")
