"""openrouter-catalog: the OpenRouter model catalog as typed, historical datasets."""

import os

__version__ = "0.1.0"
USER_AGENT = f"openrouter-catalog/{__version__} (+https://github.com/openrouter-catalog)"

# polars allocates through jemalloc, which keeps freed pages a while and then only marks them
# reusable, so they stay resident: a run's peak was the sum of every step's working memory.
# Returning them at once costs little and lowers the peak (bench/README.md, bench/fetch.py).
# Set before polars loads (it reads the variable then); a value already set wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")
