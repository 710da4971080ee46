"""Catalogue data: datasets, loaders, curation and preparation."""
