"""`modiste serve`: the studio page and REST API on uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from modiste.errors import ModisteError
from modiste.serve.config import TOKEN_ENV


@click.command(help="Serve the studio web page and REST API (FastAPI on uvicorn). Models are the run folders "
                    "under --runs, named by folder. The page is at /, the API schema at /openapi.json, "
                    "interactive docs at /docs.")
@click.option("--runs", required=True, type=click.Path(path_type=Path), help="Folder holding training run folders.")
@click.option("--tagger", type=click.Path(path_type=Path), default=None, help="Attribute tagger (modiste tagger train --out).")
@click.option("--text-model", type=click.Path(path_type=Path), default=None, help="Description model (modiste text train).")
@click.option("--text-taxonomy", type=click.Path(path_type=Path), default=None,
              help="Text taxonomy classifier, for the products' description check.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 exposes the server to the network (set a token).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--token", default=None, help=f"Bearer token every endpoint but /api/health requires (or ${TOKEN_ENV}).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="auto", show_default=True)
@click.option("--storage", type=click.Path(path_type=Path), default=None,
              help="The server's folder for uploads and job results [default: <runs>/.studio].")
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="torch CPU threads for the models.")
@click.option("--max-batch", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Images per generator call when batching requests.")
@click.option("--max-wait-ms", type=click.FloatRange(0, 1000), default=10.0, show_default=True,
              help="How long a request waits for others to batch with.")
@click.option("--queue-size", type=click.IntRange(1, 1000), default=4, show_default=True,
              help="Jobs that may wait; beyond that, 503 with Retry-After.")
def serve(runs, tagger, text_model, text_taxonomy, host, port, token, device, storage, threads, max_batch, max_wait_ms, queue_size):
    import uvicorn

    from modiste.distributed import resolve_device
    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    writers = {"--tagger": "modiste tagger train --out", "--text-model": "modiste text train --out",
               "--text-taxonomy": "the text taxonomy trainer (docs/products.md)"}
    for flag, path in (("--tagger", tagger), ("--text-model", text_model), ("--text-taxonomy", text_taxonomy)):
        if path is not None and not Path(path).exists():
            raise ModisteError(f"{flag} {path} does not exist: pass the folder written by {writers[flag]}")
    config = ServeConfig(runs=runs, storage=storage or Path(runs) / ".studio", tagger=tagger, text_model=text_model,
                         text_taxonomy=text_taxonomy,
                         device=str(resolve_device(device)), token=token, threads=threads, max_batch=max_batch,
                         max_wait_ms=max_wait_ms, queue_size=queue_size)
    app = create_app(config)
    names = app.state.studio.registry.names()
    if not names:
        raise ModisteError(f"no trained runs under {runs}: pass the folder that holds run folders with checkpoints/")
    if host not in ("127.0.0.1", "localhost", "::1") and not config.token:
        click.echo(f"warning: listening on {host} without a token; anyone who can reach it can use it "
                   f"(set --token or ${TOKEN_ENV})", err=True)
    click.echo(f"studio: http://{host}:{port}/  models: {', '.join(names)}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
