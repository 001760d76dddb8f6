"""An answer that carries ids says what it is about: every recorded model-activity answer of
the sample is about the permaslug and variant asked for, and one model's answer filed under
another's request is named as such (a failed call, never data)."""

from __future__ import annotations

import gzip
import json

from pipeline.raw.store import RawSnapshot
from pipeline.sources import SOURCES_BY_NAME
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


def answers(source: str) -> dict[str, object]:
    rows = [r for r in RawSnapshot(str(SAMPLE)).log_rows() if r.get("source") == source]
    out = {}
    for r in rows:
        if r.get("status") == 200 and r.get("file"):
            with gzip.open(SAMPLE / r["file"]) as fh:
                out[r["key"]] = json.load(fh)["data"]
    return out


def test_every_recorded_activity_answer_is_about_what_was_asked_and_another_is_not():
    about = SOURCES_BY_NAME["frontend_model_activity"].about
    assert about is not None
    found = answers("frontend_model_activity")
    with_rows = {k: d for k, d in found.items() if d.get("analytics")}
    assert len(with_rows) > 100
    assert all(about(k, d) is None for k, d in found.items())
    (a, body_a), (b, _) = list(with_rows.items())[:2]
    named = body_a["analytics"][0]["model_permaslug"]
    assert about(b, body_a) == (f"a day of {named!r}, not {b.rpartition(':')[0]!r} as asked"), (
        a,
        b,
    )
    other_variant = f"{a.rpartition(':')[0]}:free"
    got = body_a["analytics"][0]["variant"]
    assert about(other_variant, body_a) == f"a day of variant {got!r}, not 'free' as asked"
