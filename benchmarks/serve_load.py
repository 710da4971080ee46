"""Load on the studio server over loopback: C concurrent clients asking for single images for S seconds.

Starts `modiste serve` in a subprocess on 127.0.0.1 (a free port) over a runs folder, measures
offline generation at the server's batch size in this process first (the ceiling the batching
should approach), then runs the clients, then the same with walk jobs running alongside.
Prints one JSON object: errors, p50/p99 latency (ms), images/s, and the ratio to offline.

    python benchmarks/serve_load.py --runs /work/runs/product-model --clients 32 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_images_per_s(runs: Path, model: str, batch: int, seconds: float, class_name: str | None) -> float:
    import torch

    from modiste.gan.generate import class_index
    from modiste.latent.truncation import resolve_center
    from modiste.serve.registry import find_runs
    from modiste.serve.render import RenderItem, render_items
    import modiste

    G = modiste.load_generator(find_runs(runs)[model])
    idx = class_index(G, class_name)
    center = resolve_center(G, None)
    render_items(G, [RenderItem(0, idx, 0.7, center)] * batch)  # warm-up (class centres, allocations)
    done, start, seed = 0, time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        render_items(G, [RenderItem(seed + i, idx, 0.7, center) for i in range(batch)])
        done += batch
        seed += batch
    del torch
    return done / (time.perf_counter() - start)


def client_loop(url: str, body_base: dict, stop: float, lat: list, errors: list, rng: random.Random) -> None:
    with httpx.Client(timeout=120) as http:
        while time.perf_counter() < stop:
            body = {**body_base, "seeds": [rng.randrange(0, 2**31 - 1)]}
            t0 = time.perf_counter()
            try:
                r = http.post(url + "/api/generate", json=body)
                ok = r.status_code == 200 and r.headers.get("content-type") == "image/png"
            except httpx.HTTPError as e:
                ok, r = False, e
            if ok:
                lat.append(time.perf_counter() - t0)
            else:
                errors.append(str(getattr(r, "status_code", r)))


def run_clients(url: str, body: dict, clients: int, seconds: float, walk: bool) -> dict:
    lat: list[float] = []
    errors: list[str] = []
    walks = {"submitted": 0, "done": 0, "rejected_503": 0}
    stop = time.perf_counter() + seconds
    threads = [threading.Thread(target=client_loop, args=(url, body, stop, lat, errors, random.Random(i)))
               for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    if walk:  # keep one walk job running alongside
        with httpx.Client(timeout=60) as http:
            while time.perf_counter() < stop:
                params = {k: v for k, v in body.items() if k != "seeds"} | {"seeds": [1, 2, 3], "frames": 24,
                                                                            "format": "mp4"}
                r = http.post(url + "/api/jobs", json={"kind": "walk", "params": params})
                if r.status_code == 503:
                    walks["rejected_503"] += 1
                    time.sleep(1)
                    continue
                r.raise_for_status()
                walks["submitted"] += 1
                job = r.json()["id"]
                while time.perf_counter() < stop:
                    st = http.get(f"{url}/api/jobs/{job}").json()
                    if st["status"] in ("done", "failed", "cancelled"):
                        walks["done"] += st["status"] == "done"
                        if st["status"] == "failed":
                            errors.append("walk: " + str(st["error"]))
                        break
                    time.sleep(0.5)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ms = np.array(lat) * 1000
    out = {"requests_ok": len(lat), "errors": len(errors), "error_samples": errors[:3],
           "images_per_s": round(len(lat) / elapsed, 2),
           "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
           "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None}
    if walk:
        out["walk_jobs"] = walks
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", required=True, type=Path)
    ap.add_argument("--model", default=None, help="model name (default: the first the server lists)")
    ap.add_argument("--class", dest="class_name", default=None)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--max-wait-ms", type=float, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from modiste.serve.registry import find_runs

    names = find_runs(args.runs)
    model = args.model or sorted(names)[0]
    info = json.loads((sorted((names[model] / "checkpoints").glob("snapshot-*"))[-1] / "state.json").read_text())
    classes = info["network"].get("class_names") or []
    class_name = args.class_name or (classes[0] if classes else None)
    offline = offline_images_per_s(args.runs, model, args.max_batch, min(20.0, args.seconds / 3), class_name)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    storage = Path(os.environ.get("TMPDIR", "/tmp")) / f"modiste-load-{port}"
    server = subprocess.Popen([sys.executable, "-m", "modiste", "serve", "--runs", str(args.runs), "--port", str(port),
                               "--device", "cpu", "--threads", str(args.threads), "--max-batch", str(args.max_batch),
                               "--max-wait-ms", str(args.max_wait_ms), "--storage", str(storage)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start: " + server.stderr.read().decode()[-2000:])
        body = {"model": model, "truncation": 0.7} | ({"class": class_name} if class_name else {})
        run_clients(url, body, 4, 3, walk=False)  # warm-up: model load, class centres
        plain = run_clients(url, body, args.clients, args.seconds, walk=False)
        with_walk = run_clients(url, body, args.clients, args.seconds, walk=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps({"benchmark": "serve_load", "model": model, "clients": args.clients, "seconds": args.seconds,
                      "max_batch": args.max_batch, "max_wait_ms": args.max_wait_ms, "threads": args.threads,
                      "offline_images_per_s_at_batch": round(offline, 2),
                      "generate": plain | {"ratio_to_offline": round(plain["images_per_s"] / offline, 3)},
                      "generate_with_walk": with_walk | {"ratio_to_offline": round(with_walk["images_per_s"] / offline, 3)}},
                     indent=2))


if __name__ == "__main__":
    main()
