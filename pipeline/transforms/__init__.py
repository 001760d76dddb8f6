"""Pure functions, raw documents in and one polars DataFrame out, one module per table."""
