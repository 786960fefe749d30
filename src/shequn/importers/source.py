"""A file, a folder or a zip seen as a small tree of files. See docs/importers.md."""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import ImporterError

# What a damaged or unusual archive member raises while being read: corrupt deflate streams
# (zlib.error), encrypted members (RuntimeError), unsupported compression (NotImplementedError).
_READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    RuntimeError,
    NotImplementedError,
)


class Source:
    """Read-only view of an export: a single file, a folder or a zip archive.

    `names()` are POSIX paths relative to the root. `label` names the export in messages
    (`chat.zip!_chat.txt` for a zip member).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        members: list[str] | None = None,
        _zip: zipfile.ZipFile | None = None,
        _root: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self._zip = _zip
        self._root = _root
        self._members = members
        if _zip is None and _root is None:
            if not self.path.exists():
                raise ImporterError(str(self.path), "no such file or folder")
            if self.path.is_dir():
                self._root = self.path
            elif zipfile.is_zipfile(self.path):
                try:
                    self._zip = zipfile.ZipFile(self.path)
                except (zipfile.BadZipFile, OSError) as exc:
                    raise ImporterError(
                        str(self.path), f"not a readable zip archive ({exc})"
                    ) from None
            else:
                self._root = self.path.parent
                self._members = [self.path.name]

    # -- structure -------------------------------------------------------------------------
    @property
    def is_single_file(self) -> bool:
        return self._members is not None and len(self._members) == 1

    @property
    def label(self) -> str:
        if self.is_single_file and self._members:
            return self.display(self._members[0])
        return str(self.path)

    def display(self, name: str) -> str:
        if self._zip is not None:
            return f"{self.path}!{name}"
        if self._root is not None and self.path.is_dir():
            return str(self._root / name)
        return str(self.path if self.is_single_file else (self._root or self.path) / name)

    def names(self) -> list[str]:
        if self._members is not None:
            return list(self._members)
        if self._zip is not None:
            names = [i.filename for i in self._zip.infolist() if not i.is_dir()]
        else:
            assert self._root is not None
            names = []
            for dirpath, dirnames, filenames in os.walk(self._root):
                dirnames.sort()
                for fn in sorted(filenames):
                    rel = Path(dirpath, fn).relative_to(self._root)
                    names.append(rel.as_posix())
        self._members = [n for n in names if not _hidden(n)]
        return list(self._members)

    def subset(self, names: list[str]) -> Source:
        """A source limited to some members (one export inside a folder of several)."""
        return Source(self.path, members=names, _zip=self._zip, _root=self._root)

    # -- reading ---------------------------------------------------------------------------
    def size(self, name: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(name).file_size
        assert self._root is not None
        return (self._root / name).stat().st_size

    def local_path(self, name: str) -> Path | None:
        """The file on disk, when it is one (lets importers mmap or read in chunks)."""
        if self._zip is not None or self._root is None:
            return None
        return self._root / name

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        try:
            if self._zip is not None:
                with self._zip.open(name) as fh:
                    yield fh  # type: ignore[misc]
            else:
                assert self._root is not None
                with open(self._root / name, "rb") as fh:
                    yield fh
        except _READ_ERRORS as exc:
            raise ImporterError(self.display(name), f"cannot read the file ({exc})") from None

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as fh:
            try:
                return fh.read()
            except _READ_ERRORS as exc:
                raise ImporterError(self.display(name), f"cannot read the file ({exc})") from None

    def head(self, name: str, n: int = 8192) -> bytes:
        with self.open(name) as fh:
            try:
                return fh.read(n)
            except _READ_ERRORS as exc:
                raise ImporterError(self.display(name), f"cannot read the file ({exc})") from None


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def bytes_source(name: str, data: bytes, tmpdir: Path) -> Source:
    """Write `data` to `tmpdir/name` and return it as a source (tests and uploads)."""
    target = tmpdir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Source(target)
