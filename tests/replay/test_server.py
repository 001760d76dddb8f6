"""The replay server answers like OpenRouter: recorded bodies, real statuses, JSON errors."""

from __future__ import annotations

import gzip
import json

import httpx


def test_serves_recorded_bodies_byte_for_byte(replay_url, sample):
    row = next(r for r in sample.rows if r["source"] == "v1_models")
    r = httpx.get(f"{replay_url}/api/v1/models", params={"output_modalities": "all"})
    assert r.status_code == 200
    assert r.content == gzip.decompress((sample.folder / row["file"]).read_bytes())


def test_variant_path_encoded_or_not(replay_url):
    plain = httpx.get(f"{replay_url}/api/v1/models/openai/gpt-oss-20b:free/endpoints")
    encoded = httpx.get(f"{replay_url}/api/v1/models/openai/gpt-oss-20b%3Afree/endpoints")
    assert plain.status_code == encoded.status_code == 200
    assert plain.json() == encoded.json()
    assert plain.json()["data"]["id"] == "openai/gpt-oss-20b:free"
    paid = httpx.get(f"{replay_url}/api/v1/models/openai/gpt-oss-20b/endpoints").json()
    assert paid["data"]["endpoints"] != plain.json()["data"]["endpoints"]


def test_unknown_path_is_a_json_404(replay_url):
    r = httpx.get(f"{replay_url}/api/v1/nope")
    assert r.status_code == 404
    assert json.loads(r.content)["error"]["code"] == 404
    assert httpx.post(f"{replay_url}/api/v1/models").status_code == 405
