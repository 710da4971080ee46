"""API routes, one file per area: models, images (generate / mix / edit), jobs (walk / project /
product, uploads), text (describe)."""
