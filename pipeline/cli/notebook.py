"""Run ``notebooks/explore.ipynb`` headless against a data folder: ``make notebook`` (which
saves the executed copy, charts included) and the tests use this one function.

nbclient and ipykernel come with the dev extra that every ``make`` target installs; they are
imported here, on use, so the pipeline itself does not need them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
DATA_ENV = "OPENROUTER_CATALOG_DATA_DIR"


def execute_notebook(data_dir: Path | str, notebook: Path = NOTEBOOK) -> Any:  # noqa: ANN401
    """The executed notebook (an nbformat node); raises on the first failing cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)

    old = os.environ.get(DATA_ENV)
    os.environ[DATA_ENV] = str(Path(data_dir).resolve())  # the kernel inherits it
    try:
        NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": notebook.parent}},
        ).execute()
    finally:
        if old is None:
            os.environ.pop(DATA_ENV, None)
        else:
            os.environ[DATA_ENV] = old
    return nb


def main() -> None:
    import nbformat

    parser = argparse.ArgumentParser(description="Run the explore notebook headless.")
    parser.add_argument("--data-dir", default=os.environ.get(DATA_ENV, "data"))
    parser.add_argument("--out", default="data/notebooks/explore.ipynb")
    args = parser.parse_args()
    nb = execute_notebook(args.data_dir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    print(f"notebook: executed against {args.data_dir}; with its outputs and charts at {out}")


if __name__ == "__main__":
    main()
