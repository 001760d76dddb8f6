"""Check a release against its manifest: every file there, of its size and sha256. A folder,
an ``http(s)://`` URL or an ``s3://`` root; one line per file that differs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx

from pipeline.release.build import MANIFEST
from pipeline.storage.layout import Layout


def _reader(release: str) -> Callable[[str], bytes | None]:
    """A function reading one file of the release by its relative path (None: missing)."""
    if release.startswith(("http://", "https://")):
        base = release.rstrip("/")
        client = httpx.Client(timeout=60, follow_redirects=False)

        def read_http(rel: str) -> bytes | None:
            r = client.get(f"{base}/{rel}")
            return r.content if r.status_code == 200 else None

        return read_http
    if release.startswith("s3://"):
        bucket = Layout(release).bucket

        def read_s3(rel: str) -> bytes | None:
            return bucket.get(rel) if bucket.exists(rel) else None

        return read_s3
    root = Path(release).expanduser()

    def read_file(rel: str) -> bytes | None:
        path = root / rel
        return path.read_bytes() if path.is_file() else None

    return read_file


def verify(release: str) -> list[str]:
    """What differs from the manifest, one line per file; empty when the release is whole."""
    read = _reader(release)
    raw = read(MANIFEST)
    if raw is None:
        return [f"{MANIFEST}: missing in {release}"]
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST}: not a release manifest ({exc})"]
    problems = []
    for rel, want in sorted(files.items()):
        got = read(rel)
        if got is None:
            problems.append(f"{rel}: missing")
        elif len(got) != want["bytes"]:
            problems.append(f"{rel}: {len(got):,} bytes, the manifest says {want['bytes']:,}")
        elif hashlib.sha256(got).hexdigest() != want["sha256"]:
            problems.append(f"{rel}: sha256 differs from the manifest's")
    return problems
