"""``citewise data fetch``: the public originals over real HTTP, from a local server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from citewise.data import DATASETS, fetch
from citewise.errors import DownloadError

pytestmark = pytest.mark.integration


class _Handler(SimpleHTTPRequestHandler):
    disable_nagle_algorithm = True
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path, data_dir: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server holding ClapNQ under its upstream file names."""
    served = tmp_path / "served"
    served.mkdir()
    for local, remote in DATASETS["clapnq"].files.items():
        shutil.copy(data_dir / "clapnq" / local, served / remote)
    _Handler.requests = []
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(served))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()


def test_fetch_downloads_each_file_once(
    mirror: tuple[str, Path],
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = mirror
    monkeypatch.setenv("CITEWISE_CLAPNQ_URL", url)
    dest = tmp_path / "clapnq"
    assert fetch("clapnq", dest) == dest
    for local in DATASETS["clapnq"].files:
        assert (dest / local).read_bytes() == (data_dir / "clapnq" / local).read_bytes()
    assert len(_Handler.requests) == 2
    fetch("clapnq", dest)
    assert len(_Handler.requests) == 2


def test_missing_file_upstream_is_a_clear_error(
    mirror: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, served = mirror
    (served / "clapnq_dev_unanswerable.jsonl").unlink()
    monkeypatch.setenv("CITEWISE_CLAPNQ_URL", url)
    with pytest.raises(DownloadError, match=r"clapnq_dev_unanswerable\.jsonl.*404"):
        fetch("clapnq", tmp_path / "out")
    assert not list((tmp_path / "out").glob(".*"))
