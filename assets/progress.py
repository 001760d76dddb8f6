"""What a headless run prints: one short line per thing worth knowing (a step's own messages,
a step that failed), not Dagster's event stream. ``--verbose`` keeps Dagster's console."""

from __future__ import annotations

import logging
import sys

import dagster as dg

# Dagster's own bookkeeping (step starts, outputs, handled events) is not news to a user.
_ENGINE_MESSAGES = (
    "Started execution",
    "Finished execution",
    "Executing steps",
    "Launching",
    "Dependencies for step",  # the failed step above already said why
)


class _Lines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        message = meta.get("orig_message") or record.getMessage()
        step = meta.get("step_key")
        if meta.get("dagster_event") is not None or not step:
            return  # structured events (materialisations, checks): the run's summary says them
        if any(message.startswith(p) for p in _ENGINE_MESSAGES):
            return
        first = message.splitlines()[0] if message else ""
        sys.stdout.write(f"  {step}: {first}\n")
        sys.stdout.flush()


@dg.logger(description="one line per message of a step, on stdout")
def progress_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
    log = logging.getLogger("openrouter_catalog.progress")
    log.setLevel(logging.INFO)
    log.propagate = False
    if not log.handlers:
        log.addHandler(_Lines())
    return log
