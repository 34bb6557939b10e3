"""Datasets: where they are read from, and fetching the public originals."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from citewise.errors import DownloadError, InputError
from citewise.settings import data_dir

__all__ = ["DATASETS", "Dataset", "dataset_path", "fetch"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A public dataset: its folder name, the files in it, and where they come from."""

    name: str
    description: str
    base_url: str
    files: dict[str, str]  # local name -> path under base_url


DATASETS = {
    "clapnq": Dataset(
        name="clapnq",
        description="ClapNQ dev: 300 answerable + 300 unanswerable Wikipedia questions",
        base_url="https://raw.githubusercontent.com/primeqa/clapnq/eb26840/annotated_data/dev",
        files={
            "dev_answerable.jsonl": "clapnq_dev_answerable.jsonl",
            "dev_unanswerable.jsonl": "clapnq_dev_unanswerable.jsonl",
        },
    ),
}


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise InputError(
            f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}"
        )
    return DATASETS[name]


def dataset_path(name: str) -> Path:
    """The folder of a dataset under the data dir (``$CITEWISE_DATA_DIR``)."""
    return data_dir() / _dataset(name).name


def fetch(name: str, dest: Path | None = None) -> Path:
    """Download a dataset's public files unless already there; return the folder."""
    import httpx

    dataset = _dataset(name)
    folder = dest or dataset_path(name)
    missing = {k: v for k, v in dataset.files.items() if not (folder / k).is_file()}
    if not missing:
        return folder
    base = os.environ.get(f"CITEWISE_{name.upper()}_URL", dataset.base_url).rstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    for local, remote in missing.items():
        url = f"{base}/{remote}"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{local}.")
        try:
            with (
                os.fdopen(fd, "wb") as handle,
                httpx.stream("GET", url, timeout=60, follow_redirects=True) as response,
            ):
                response.raise_for_status()
                for block in response.iter_bytes():
                    handle.write(block)
        except httpx.HTTPError as exc:
            os.unlink(tmp)
            raise DownloadError(f"could not download {url}: {exc}") from None
        os.replace(tmp, folder / local)
        logger.info("fetched %s -> %s", url, folder / local)
    return folder
