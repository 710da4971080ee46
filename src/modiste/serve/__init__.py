"""The studio: a FastAPI app (REST API + an offline web page) over the latent-space and product APIs.

`modiste serve --runs DIR` registers every run folder under DIR by name; requests name models, never
files. Generate requests from many clients are micro-batched per model; slow work (walks,
projections, products) runs as jobs in a bounded queue.
"""
