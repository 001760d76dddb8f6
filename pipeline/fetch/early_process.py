"""The process a run's early fetch runs in (``pipeline/fetch/early.py`` starts it): both
groups of one date at once, in one client, each message to the command one JSON line on
standard output: a progress line, a source landed (its log rows), and the group's report or
why there is none.

    python -m pipeline.fetch.early_process '<job as JSON>'
    python -m pipeline.fetch.early_process < job   # one line; an empty one: nothing to do
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

import orjson

from pipeline import sources
from pipeline.fetch.client import ApiClient
from pipeline.fetch.early import API_KEY_ENV
from pipeline.fetch.outcomes import FetchError
from pipeline.fetch.snapshot import LANDING_ORDER, fetch_frontend, fetch_v1
from pipeline.raw.store import RawSnapshot


def _say(group: str, **msg: object) -> None:
    sys.stdout.buffer.write(orjson.dumps({"group": group, **msg}) + b"\n")
    sys.stdout.buffer.flush()


async def _watch(parent: int) -> None:
    """A command killed outright (SIGKILL, SIGTERM) runs no exit handler: its fetch process
    ends with it rather than write a landing that nobody takes over."""
    while os.getppid() == parent:
        await asyncio.sleep(0.5)
    os._exit(1)


async def _both(job: dict[str, Any]) -> None:
    watch = asyncio.create_task(_watch(job["parent"]))
    snap = RawSnapshot(job["folder"])
    client = ApiClient(
        api_key=os.environ.get(API_KEY_ENV) or None,
        source_limits=sources.PER_MINUTE_LIMITS,
        order=LANDING_ORDER,
        **job["client"],
    )
    async with client as api:

        async def one(group: str, fetch: Callable, **kwargs: object) -> None:
            def log(line: str) -> None:
                _say(group, line=line)

            def landed(source: str, rows: list[dict[str, Any]]) -> None:
                _say(group, landed=source, rows=rows)

            try:
                report = await fetch(api, snap, log, resume=False, landed=landed, **kwargs)
            except FetchError as exc:
                _say(group, failed=str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - the step fetches it again
                _say(
                    group, lost=f"the fetch begun with the run failed: {type(exc).__name__}: {exc}"
                )
                return
            if api.rate.cuts:
                log(
                    f"raw {group}: the server limited the rate {api.limited} times; "
                    f"paced at {api.rate.rate:.1f} requests/s in the end"
                )
            _say(group, report=report.as_dict())

        await asyncio.gather(
            one("v1", fetch_v1, min_coverage=job["min_coverage"]),
            one(
                "frontend",
                fetch_frontend,
                skip=frozenset(job["skip"]),
                hourly_endpoints=job["hourly_endpoints"],
            ),
        )
    watch.cancel()


def main() -> None:
    try:
        job = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.buffer.readline()
        if job.strip():
            asyncio.run(_both(orjson.loads(job)))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole group: the command says it, once
        sys.exit(130)


if __name__ == "__main__":
    main()
