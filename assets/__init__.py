"""Dagster assets, one module per layer: raw → tables → warehouse."""
