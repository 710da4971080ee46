"""What a new user of the studio ran into: product images under images/, editing with a non-projection job."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.serve.conftest import make_client
from tests.serve.test_features import wait_job


@pytest.fixture
def product_client(runs_dir, tmp_path, tiny_tagger, tiny_text_model):
    with make_client(runs_dir, tmp_path, tagger=tiny_tagger, text_model=tiny_text_model) as c:
        yield c


def test_product_images_listed_by_the_job_can_be_fetched(product_client):
    r = product_client.post("/api/jobs", json={"kind": "product", "params": {"model": "cond", "seeds": [5],
                                                                             "class": "Dresses"}})
    assert r.status_code == 202, r.text
    st = wait_job(product_client, r.json()["id"], 300)
    assert st["status"] == "done", st
    images = [f for f in st["files"] if f.startswith("images/")]
    assert len(images) == 1 and images[0].endswith(".png")
    got = product_client.get(f"/api/jobs/{st['id']}/files/{images[0]}")
    assert got.status_code == 200, got.text
    assert Image.open(io.BytesIO(got.content)).size == (16, 24)  # the tiny run's canvas, width x height
    # the catalogue refers to the image by the same relative path, so it resolves beside catalogue.html
    page = product_client.get(f"/api/jobs/{st['id']}/files/catalogue.html").text
    assert images[0] in page
    # names the job did not report stay refused, traversal included
    for bad in ("images/../products.jsonl.x", "images/../../../etc/passwd", "images/nope.png"):
        r = product_client.get(f"/api/jobs/{st['id']}/files/{bad}")
        assert r.status_code == 404 and "error" in r.json(), bad


def test_editing_with_a_walk_job_says_it_is_not_a_projection(client):
    r = client.post("/api/jobs", json={"kind": "walk", "params": {"model": "uncond", "seeds": [1, 2], "frames": 2,
                                                                  "format": "gif"}})
    st = wait_job(client, r.json()["id"])
    assert st["status"] == "done", st
    e = client.post("/api/edit", json={"model": "uncond", "latents": st["id"], "edits": []})
    assert e.status_code == 400
    msg = e.json()["error"]
    assert "walk job, not a projection" in msg and "kind=project" in msg and "\n" not in msg


def test_class_for_an_unconditional_model_names_the_api_field(client):
    r = client.post("/api/generate", json={"model": "uncond", "seeds": [1], "class": "Dresses"})
    assert r.status_code == 400
    msg = r.json()["error"]
    assert "--class" not in msg and '"class"' in msg and "unconditional" in msg


@pytest.mark.parametrize("body", [b'{"model": "uncond"', b"\xff\xfe", b"{'model': 'uncond'}"])
def test_malformed_json_says_so_with_the_fix(client, body):
    r = client.post("/api/generate", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    msg = r.json()["error"]
    assert "not valid JSON" in msg and "application/json" in msg and "\n" not in msg


def test_wrong_method_names_the_allowed_one(client):
    r = client.get("/api/generate")
    assert r.status_code == 405
    assert r.json()["error"] == "GET is not allowed on /api/generate: use POST (see /docs)"
    assert client.delete("/api/models").json()["error"].endswith("use GET (see /docs)")



def test_a_photo_projects_onto_a_grey_generator(make_tiny_run, tmp_path):
    """A colour photo is converted to grey as the datasets do; the Inception terms see it repeated to RGB."""
    import time

    runs = tmp_path / "runs"
    make_tiny_run(runs / "grey", None, img_channels=1)
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 30, 30)).save(buf, format="PNG")
    with make_client(runs, tmp_path) as c:
        up = c.post("/api/uploads", files={"file": ("dress.png", buf.getvalue(), "image/png")}).json()
        r = c.post("/api/jobs", json={"kind": "project", "params": {"model": "grey", "upload": up["upload"], "steps": 2}})
        # was: 202, then the job failed with "internal error (RuntimeError)" from the 3-channel Inception
        assert r.status_code == 202, r.text
        end = time.time() + 120
        while (st := c.get(f"/api/jobs/{r.json()['id']}").json())["status"] in ("queued", "running") and time.time() < end:
            time.sleep(0.1)
        assert st["status"] == "done", st
        recon = c.get(f"/api/jobs/{st['id']}/files/photo-reconstruction.png")
        assert Image.open(io.BytesIO(recon.content)).mode == "L"


def test_a_failed_projection_does_not_show_server_paths(client):
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 30, 30)).save(buf, format="PNG")  # smaller than the 16x24 canvas
    up = client.post("/api/uploads", files={"file": ("dot.png", buf.getvalue(), "image/png")}).json()
    r = client.post("/api/jobs", json={"kind": "project", "params": {"model": "uncond", "upload": up["upload"],
                                                                      "steps": 2}})
    st = wait_job(client, r.json()["id"])
    assert st["status"] == "failed"
    assert st["error"].startswith("the uploaded photo is 1x1, smaller than the 16x24 canvas")
    assert "/jobs/" not in st["error"] and "in/photo" not in st["error"]
