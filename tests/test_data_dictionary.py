"""docs/DATA_DICTIONARY.md is generated; it must match the code that generates it."""

from pipeline import dictionary
from pipeline.schemas import TABLES
from pipeline.transforms.source_schemas import CONTRACTS


def test_dictionary_is_in_sync_with_the_schemas():
    assert dictionary.PATH.read_text() == dictionary.render(), (
        "docs/DATA_DICTIONARY.md is stale: run `python -m pipeline.dictionary`"
    )


def test_every_column_and_dropped_field_is_documented():
    text = dictionary.PATH.read_text()
    for table, columns in TABLES.items():
        assert f"### `{table}`" in text
        for c in columns:
            assert c.description and f"| `{c.name}` |" in text
    for contract in CONTRACTS.values():
        for field, reason in contract.dropped.items():
            assert reason and f"| `{field}` | {reason} |" in text
        assert not set(contract.dropped) & set(contract.schema), contract.source
