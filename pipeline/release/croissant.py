"""``croissant.json``: the release described in MLCommons Croissant 1.0, so dataset tools find
and load it. One ``FileObject`` per Parquet file (path relative to the release, sha256), one
``RecordSet`` per table with a field per column, typed from the file's own schema. Written
from the files and the declarations with no clock: the same data gives the same bytes.

The source states terms of service, not a licence, so no ``license`` is claimed; the terms
are in ``citeAs`` and the description (a validator warns about the missing licence)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.transforms.schemas import ALL_TABLES

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
CITE = (
    "Source: OpenRouter (openrouter.ai), via openrouter-catalog; OpenRouter's terms of service "
    "apply to the catalog and frontend calls, and each Data API table cites its own source."
)


def _data_type(t: pa.DataType) -> str:
    """The schema.org type of a Parquet column (decimals read as floats)."""
    if pa.types.is_boolean(t):
        return "sc:Boolean"
    if pa.types.is_integer(t):
        return "sc:Integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "sc:Float"
    if pa.types.is_date(t):
        return "sc:Date"
    if pa.types.is_timestamp(t):
        return "sc:DateTime"
    return "sc:Text"


def describe(
    out: Path,
    tables: Sequence[str],
    descriptions: Mapping[str, str],
    newest: str,
    hashes: Mapping[str, str],
) -> dict:
    """The Croissant document of the release in ``out`` (its ``tables/<t>.parquet``);
    ``hashes`` gives each file's sha256 by its path in the release, hashed once for this and
    the manifest."""
    files, records = [], []
    for t in tables:
        path = out / "tables" / f"{t}.parquet"
        if not path.is_file():
            continue
        declared = {c.name: c.description for c in ALL_TABLES.get(t, ())}
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": f"{t}.parquet",
                "name": f"{t}.parquet",
                "contentUrl": f"tables/{t}.parquet",
                "encodingFormat": "application/x-parquet",
                "sha256": hashes[f"tables/{t}.parquet"],
            }
        )
        fields = []
        for col in pq.read_schema(path):
            field: dict = {
                "@type": "cr:Field",
                "@id": f"{t}/{col.name}",
                "name": col.name,
                "description": declared.get(col.name, col.name),
                "source": {"fileObject": {"@id": f"{t}.parquet"}, "extract": {"column": col.name}},
            }
            if pa.types.is_list(col.type):
                field["dataType"] = _data_type(col.type.value_type)
                field["repeated"] = True
            else:
                field["dataType"] = _data_type(col.type)
            fields.append(field)
        records.append(
            {
                "@type": "cr:RecordSet",
                "@id": t,
                "name": t,
                "description": descriptions.get(t, f"the {t} view, as the warehouse's"),
                "field": fields,
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "openrouter-catalog",
        "description": "Daily audited snapshots of OpenRouter's model catalog: models, provider "
        "endpoints, exact prices, data policies, usage and performance, and their history. "
        "OpenRouter's terms of service apply; no licence is claimed.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": CITE,
        "url": "https://openrouter.ai",
        "datePublished": newest,
        "distribution": files,
        "recordSet": records,
    }


def write(
    out: Path,
    tables: Sequence[str],
    descriptions: Mapping[str, str],
    newest: str,
    hashes: Mapping[str, str],
) -> None:
    doc = describe(out, tables, descriptions, newest, hashes)
    (out / "croissant.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
