"""A release: everything published so far, as files anyone can read without running the
pipeline. One Parquet file per table and history (sorted, with row groups and statistics a
reader can prune over HTTP range requests), ``load.sql`` (the warehouse's views and macros
over them), ``manifest.json`` (version, dates, files and their hashes), ``DATACARD.md``, and
the change feed (``changes.atom``, ``changes.json``). Built the same way twice, the files are
byte for byte the same; only the manifest's build time differs."""
