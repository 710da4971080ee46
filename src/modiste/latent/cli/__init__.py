"""Click commands of the latent toolbox (`modiste mix | walk | project | directions | edit | synthesize`).

Each only parses options and calls the Python API in modiste.latent; shared options are in
`modiste.latent.cli.options`.
"""
