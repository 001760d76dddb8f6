"""Run by bench/object_store.py in its side environment (DuckDB 1.5.5 and the registry's
httpfs extension package): the project's rendered view SQL, once over the local folder and
once over the bucket through httpfs and an S3 secret; prints each query's (first, best of 3,
rows) as JSON. Imports nothing of the project: that environment has only DuckDB."""

import json
import os
import sys
import time
from pathlib import Path

import duckdb
import duckdb_extension_httpfs


def extension_file() -> str:
    found = sorted(Path(duckdb_extension_httpfs.__file__).parent.rglob("httpfs.duckdb_extension"))
    if not found:
        raise SystemExit("duckdb-extension-httpfs holds no httpfs.duckdb_extension")
    return str(found[0])


def connect(statements: list, job: dict, remote: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if remote:
        con.execute(f"LOAD '{extension_file()}'")
        con.execute(
            "CREATE SECRET bench (TYPE s3, KEY_ID ?, SECRET ?, ENDPOINT ?, URL_STYLE 'path', "
            "USE_SSL false, REGION 'us-east-1')".replace("?", "'{}'").format(
                job["key_id"], os.environ["HTTPFS_SECRET"], job["endpoint"]
            )
        )
    for name, sql in statements:
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise SystemExit(f"{name}: {exc}") from None
    return con


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    times, n = [], 0
    for _ in range(3):
        t0 = time.perf_counter()
        n = len(con.sql(sql).fetchall())
        times.append(time.perf_counter() - t0)
    return [times[0], min(times), n]


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    out = {}
    for side in ("local", "remote"):
        t0 = time.perf_counter()
        con = connect(job[side], job, side == "remote")
        out[f"{side}_views_s"] = time.perf_counter() - t0
        out[side] = {label: timed(con, sql) for label, sql in job["queries"].items()}
        con.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
