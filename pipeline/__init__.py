"""openrouter-catalog: the OpenRouter model catalog as typed, historical datasets."""

__version__ = "0.1.0"
USER_AGENT = f"openrouter-catalog/{__version__} (+https://github.com/openrouter-catalog)"
