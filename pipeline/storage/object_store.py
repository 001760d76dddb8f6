"""An S3-compatible bucket as the storage root (``s3://bucket/prefix``), through obstore.

Why obstore: it is the Rust ``object_store`` crate, the same engine polars uses for its cloud
reads, so a root configured here means the same to ``pl.scan_parquet``; it has no Python
dependencies (s3fs pulls aiobotocore and pins botocore), reads the usual ``AWS_*`` variables
itself (keys, ``AWS_ENDPOINT_URL``, ``AWS_REGION``, ``AWS_SESSION_TOKEN``, web identity,
instance metadata), does ranged reads and multipart uploads, and ships an fsspec filesystem
that DuckDB 2.0 can register (it has no httpfs package on the registry yet).

Publishing without rename: one object per partition, written by one PUT (multipart when
large). S3 makes an object visible only when its upload completes, so a reader sees the
previous object or the new one, never half; a killed upload leaves the previous object.

Keys and secrets are never held here: obstore reads them from the environment, and
``describe`` prints only the endpoint, region and style.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pipeline.storage import crashpoints

if TYPE_CHECKING:
    from obstore.fsspec import FsspecStore
    from obstore.store import S3Store

SCHEME = "s3://"
# objects larger than this go up in parts: a killed upload then leaves no object at all
MULTIPART_BYTES = 8 * 1024 * 1024
PART_BYTES = 5 * 1024 * 1024  # the S3 minimum part size


class StorageError(RuntimeError):
    """A store operation failed; str() names the operation, the object and the endpoint."""


def is_object_root(root: str) -> bool:
    return root.startswith(SCHEME)


@dataclass(frozen=True)
class S3Options:
    """Where and how to reach the bucket. ``None`` leaves a value to obstore, which reads
    ``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_S3``), ``AWS_REGION`` and
    ``AWS_VIRTUAL_HOSTED_STYLE_REQUEST`` from the environment. Credentials are not fields:
    they stay in the environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, …)."""

    endpoint_url: str | None = None
    region: str | None = None
    path_style: bool | None = None

    def kwargs(self) -> dict[str, Any]:
        """obstore's ``config`` and ``client_options`` (values set here win over the
        environment)."""
        out: dict[str, Any] = {}
        client: dict[str, Any] = {}
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3")
        endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
        if self.endpoint_url:
            out["endpoint"] = self.endpoint_url
        if self.region:
            out["region"] = self.region
        elif not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
            out["region"] = "us-east-1"  # S3-compatible servers ignore it; AWS needs one
        if self.path_style is not None:
            out["virtual_hosted_style_request"] = not self.path_style
        elif endpoint:
            # a custom endpoint (MinIO, SeaweedFS, Ceph, R2) is addressed by path
            out.setdefault("virtual_hosted_style_request", False)
        if endpoint and endpoint.startswith("http://"):
            client["allow_http"] = True
        return {"config": out, "client_options": client}

    def describe(self) -> str:
        """For logs and errors: never a key."""
        endpoint = (
            self.endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
            or "AWS"
        )
        return f"endpoint {endpoint}"


def split_root(root: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (bucket, "some/prefix")."""
    parts = urlsplit(root)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"storage root {root!r} must look like s3://bucket[/prefix]")
    if parts.query or parts.fragment:
        raise ValueError(f"storage root {root!r}: no query or fragment, just s3://bucket/prefix")
    return parts.netloc, parts.path.strip("/")


class Bucket:
    """The objects under one ``s3://bucket/prefix`` root. Keys given to the methods are
    relative to the prefix."""

    def __init__(self, root: str, options: S3Options | None = None) -> None:
        self.root = root.rstrip("/")
        self.bucket, self.prefix = split_root(root)
        self.options = options or S3Options()
        self._store: S3Store | None = None

    @property
    def store(self) -> S3Store:
        if self._store is None:
            from obstore.store import S3Store

            self._store = S3Store(self.bucket, **self.options.kwargs())
        return self._store

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def url(self, rel: str) -> str:
        return f"{SCHEME}{self.bucket}/{self.key(rel)}"

    def _fail(self, what: str, rel: str, exc: Exception) -> StorageError:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return StorageError(f"{what} {self.url(rel)} ({self.options.describe()}): {first}")

    def put(self, rel: str, data: bytes, crash_detail: str = "") -> None:
        """One object, visible only once complete (see the module doc)."""
        import obstore

        try:
            if len(data) <= MULTIPART_BYTES and not crashpoints.armed("object_put"):
                obstore.put(self.store, self.key(rel), data, use_multipart=False)
                return
            obstore.put(
                self.store,
                self.key(rel),
                _parts(data, crash_detail),
                use_multipart=True,
                chunk_size=PART_BYTES,
                max_concurrency=4,
            )
        except Exception as exc:
            raise self._fail("cannot write", rel, exc) from None

    def get(self, rel: str) -> bytes:
        import obstore

        try:
            return obstore.get(self.store, self.key(rel)).bytes().to_bytes()
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise self._fail("cannot read", rel, exc) from None

    def exists(self, rel: str) -> bool:
        import obstore

        try:
            obstore.head(self.store, self.key(rel))
        except FileNotFoundError:
            return False
        except Exception as exc:
            raise self._fail("cannot look up", rel, exc) from None
        return True

    def copy(self, src: str, dst: str) -> None:
        """A server-side copy (no bytes through this process): how a staged partition is
        published, visible whole at ``dst`` or not at all."""
        import obstore

        try:
            obstore.copy(self.store, self.key(src), self.key(dst), overwrite=True)
        except Exception as exc:
            raise self._fail("cannot copy to", dst, exc) from None

    def delete(self, rel: str) -> None:
        import obstore

        try:
            obstore.delete(self.store, self.key(rel))
        except FileNotFoundError:
            pass
        except Exception as exc:
            raise self._fail("cannot delete", rel, exc) from None

    def list(self, rel_prefix: str) -> dict[str, str]:
        """Every object under ``rel_prefix`` (a folder: whole path segments): relative key →
        ETag (for an object written in one PUT, the MD5 of its bytes)."""
        return {k: (m.get("e_tag") or "").strip('"') for k, m in self._listing(rel_prefix)}

    def sizes(self, rel_prefix: str) -> dict[str, int]:
        """Every object under ``rel_prefix``: relative key → size in bytes."""
        return {k: m["size"] for k, m in self._listing(rel_prefix)}

    def _listing(self, rel_prefix: str) -> list[tuple[str, Any]]:
        import obstore

        base = self.key(rel_prefix.rstrip("/")) or None
        cut = len(self.prefix) + 1 if self.prefix else 0
        try:
            return [
                (meta["path"][cut:], meta)
                for batch in obstore.list(self.store, base, chunk_size=1000)
                for meta in batch
            ]
        except Exception as exc:
            raise self._fail("cannot list", rel_prefix, exc) from None

    def folders(self, rel_prefix: str) -> list[str]:
        """The immediate sub-folders of ``rel_prefix`` (one delimited listing, no recursion)."""
        import obstore

        base = self.key(rel_prefix.rstrip("/"))
        try:
            found = obstore.list_with_delimiter(self.store, base)
        except Exception as exc:
            raise self._fail("cannot list", rel_prefix, exc) from None
        return sorted(p.rsplit("/", 1)[-1] for p in found["common_prefixes"])

    def filesystem(self) -> FsspecStore:
        """An fsspec filesystem for ``s3://`` paths, for DuckDB's ``register_filesystem``."""
        return duckdb_filesystem(self.options)


def _parts(data: bytes, crash_detail: str) -> Iterator[bytes]:
    view = memoryview(data)
    half = max(1, len(data) // 2)
    yield bytes(view[:half])
    # the first half is on its way: a kill here is a kill in the middle of the upload
    crashpoints.reached("object_put", crash_detail)
    yield bytes(view[half:])


def duckdb_filesystem(options: S3Options) -> FsspecStore:
    """The bucket as DuckDB reads it: obstore's fsspec filesystem with few requests per file
    (``pipeline/storage/bucket_fs.py``)."""
    from pipeline.storage.bucket_fs import BucketFilesystem

    return BucketFilesystem("s3", **options.kwargs())
