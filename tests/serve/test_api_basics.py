"""Models, generate, auth, and every kind of bad request: JSON error, right status, server keeps serving."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent import map_to_ws

TOKEN = "s3cret-token"


def png(resp) -> np.ndarray:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(resp.content)))


def test_health_and_models(client):
    assert client.get("/api/health").json()["status"] == "ok"
    models = {m["name"]: m for m in client.get("/api/models").json()["models"]}
    assert set(models) == {"cond", "uncond"}
    assert models["cond"]["classes"] == ["Tshirts", "Dresses", "Jeans"]
    assert (models["cond"]["width"], models["cond"]["height"], models["cond"]["aspect"]) == (16, 24, "2:3")


def test_generate_gives_the_image_of_the_api(client, runs_dir):
    img = png(client.post("/api/generate", json={"model": "cond", "seeds": [5], "truncation": 0.5, "class": "Dresses"}))
    G = modiste.load_generator(runs_dir / "cond")
    ws = map_to_ws(G, latents_for_seeds([5], G.z_dim), torch.tensor([1]), 0.5, "class")
    expected = to_uint8(G.synthesis(ws, noise_mode="const"))[0].permute(1, 2, 0).numpy()
    assert img.shape == (24, 16, 3)
    assert np.abs(img.astype(int) - expected.astype(int)).max() <= 1


def test_generate_json_and_grid(client):
    body = client.post("/api/generate", json={"model": "uncond", "seeds": [1, 2, 3], "format": "json"}).json()
    assert [im["seed"] for im in body["images"]] == [1, 2, 3]
    grid = png(client.post("/api/generate", json={"model": "uncond", "seeds": [1, 2, 3, 4]}))
    assert grid.shape == (48, 32, 3)


def test_openapi_schema_and_page(client):
    schema = client.get("/openapi.json").json()
    assert "/api/generate" in schema["paths"] and "/api/jobs" in schema["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "http://" not in page.text and "https://" not in page.text  # no external assets


@pytest.mark.parametrize("body, status, words", [
    ({"model": "nope", "seeds": [1]}, 404, "unknown model"),
    ({"model": "cond", "seeds": [1], "class": "Coats"}, 400, "Tshirts"),
    ({"model": "uncond", "seeds": [1], "class": "Dresses"}, 400, "unconditional"),
    ({"model": "cond", "seeds": [1]}, 400, "conditional"),
    ({"model": "cond", "seeds": [-1], "class": "Jeans"}, 422, "seeds"),
    ({"model": "cond", "seeds": list(range(65)), "class": "Jeans"}, 422, "seeds"),
    ({"model": "cond", "seeds": [1], "truncation": 1e9, "class": "Jeans"}, 422, "truncation"),
    ({"model": "cond", "seeds": [1], "class": "Jeans", "extra": 1}, 422, "extra"),
    ({"model": "../../etc/passwd", "seeds": [1]}, 422, "model"),
    ({"model": "cond", "seeds": [1], "class": "../Jeans"}, 422, "class"),
])
def test_bad_generate_requests(client, body, status, words):
    resp = client.post("/api/generate", json=body)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert words.lower() in error.lower() and "\n" not in error and "Traceback" not in error
    assert client.get("/api/health").status_code == 200


def test_malformed_json_is_422(client):
    resp = client.post("/api/generate", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422 and "invalid request" in resp.json()["error"]


def test_unknown_endpoint_is_json_404(client):
    resp = client.get("/api/nothing-here")
    assert resp.status_code == 404 and "error" in resp.json()


def test_token_required_everywhere_but_health(token_client):
    assert token_client.get("/api/health").status_code == 200
    for method, url, body in [("get", "/api/models", None), ("post", "/api/generate", {"model": "uncond", "seeds": [1]}),
                              ("get", "/api/jobs", None)]:
        resp = getattr(token_client, method)(url, json=body) if body else getattr(token_client, method)(url)
        assert resp.status_code == 401 and "Bearer" in resp.json()["error"]
        bad = {"Authorization": "Bearer wrong"}
        resp = token_client.request(method.upper(), url, json=body, headers=bad)
        assert resp.status_code == 401
    ok = token_client.get("/api/models", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_oversize_body_is_413(client):
    resp = client.post("/api/uploads", files={"file": ("big.png", b"\x89PNG" + b"0" * (13 * 1024 * 1024), "image/png")})
    assert resp.status_code == 413 and "MiB" in resp.json()["error"]


def test_uploads_are_checked_by_content(client, tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), "red").save(buf, format="PNG")
    ok = client.post("/api/uploads", files={"file": ("../../evil.png", buf.getvalue(), "image/png")})
    assert ok.status_code == 201 and len(ok.json()["upload"]) == 32
    stored = list((tmp_path / "storage" / "uploads").iterdir())
    assert len(stored) == 1 and "evil" not in stored[0].name
    fake = client.post("/api/uploads", files={"file": ("x.png", b"#!/bin/sh\nrm -rf /", "image/png")})
    assert fake.status_code == 415
    empty = client.post("/api/uploads", files={"file": ("x.png", b"", "image/png")})
    assert empty.status_code == 422


def test_decompression_bomb_is_413(client):
    buf = io.BytesIO()
    Image.new("1", (10000, 5000)).save(buf, format="PNG")  # 50 MP, a few KB on the wire
    resp = client.post("/api/uploads", files={"file": ("bomb.png", buf.getvalue(), "image/png")})
    assert resp.status_code == 413 and "MP" in resp.json()["error"]


@pytest.mark.parametrize("path", ["/api/jobs/..%2F..%2Fetc", "/api/jobs/" + "a" * 32, "/api/jobs/" + "a" * 32 + "/files/..%2Fx",
                                  "/static/..%2F..%2Fcli.py", "/api/models/..%2Fcond"])
def test_path_traversal_never_reaches_files(client, path):
    resp = client.get(path)
    assert resp.status_code == 404, resp.text
    assert "import" not in resp.text
