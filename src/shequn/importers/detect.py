"""Auto-detection of export formats and the import driver. See docs/importers.md.

Each importer module exposes:

    PLATFORM: str
    def claim(source: Source, names: list[str]) -> list[list[str]]
        # the exports among `names` that this importer reads, each as the list of member
        # names that form it (a Slack export is a whole tree; a WhatsApp chat is one .txt)
    def read(source: Source, options: ImportOptions) -> Iterator[Batch]
        # `source` is limited to one claimed export; raises only ImporterError

Importers are asked in `IMPORTER_MODULES` order; a name claimed once is not offered again.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import ModuleType

from .canonical import Canonical, merge
from .errors import ImporterError
from .events import Batch
from .options import ImportOptions
from .source import Source

# Tree formats first (they claim many files), then formats with distinctive headers.
IMPORTER_MODULES = ("slack", "telegram", "discord", "wecom", "wechat", "qq", "whatsapp")

# Files that can sit beside an export (media, thumbnails) and are never an error.
_PASSIVE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".heic",
    ".bmp",
    ".mp4",
    ".mov",
    ".webm",
    ".mp3",
    ".ogg",
    ".opus",
    ".m4a",
    ".wav",
    ".amr",
    ".silk",
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".vcf",
    ".tgs",
    ".css",
    ".js",
    ".html",
    ".htm",
    ".ico",
    ".svg",
    ".zip",
    ".apk",
    ".mkv",
    ".avi",
}


def importer_modules() -> list[ModuleType]:
    return [importlib.import_module(f"shequn.importers.{name}") for name in IMPORTER_MODULES]


@dataclass
class Export:
    platform: str
    source: Source
    module: ModuleType

    @property
    def label(self) -> str:
        return self.source.label

    def read(self, options: ImportOptions) -> Iterator[Batch]:
        reader: Iterator[Batch] = self.module.read(self.source, options)
        return reader


def detect(path: str) -> list[Export]:
    """The exports found in a file, folder or zip; raises ImporterError when there are none."""
    source = Source(path)
    remaining = source.names()
    if not remaining:
        raise ImporterError(str(path), "the folder or archive is empty")
    exports: list[Export] = []
    for module in importer_modules():
        if not remaining:
            break
        claims = module.claim(source, list(remaining))
        for names in claims:
            exports.append(Export(module.PLATFORM, source.subset(names), module))
        claimed = {n for names in claims for n in names}
        remaining = [n for n in remaining if n not in claimed]
    if not exports:
        if source.is_single_file:
            raise ImporterError(
                source.label,
                "not a chat export shequn recognises (Telegram, WhatsApp, Discord, Slack, QQ, "
                "WeChat or WeCom); see docs/importers.md for the formats",
            )
        raise ImporterError(str(path), "contains no chat export shequn recognises")
    return exports


def unrecognised(path: str) -> list[str]:
    """Data-looking files inside a folder or zip that no importer claimed (for warnings)."""
    source = Source(path)
    if source.is_single_file:
        return []
    claimed: set[str] = set()
    names = source.names()
    for module in importer_modules():
        for group in module.claim(source, [n for n in names if n not in claimed]):
            claimed.update(group)
    return [
        source.display(n)
        for n in names
        if n not in claimed and PurePosixPath(n).suffix.lower() not in _PASSIVE_SUFFIXES
    ]


@dataclass
class ImportReport:
    canonical: Canonical
    errors: list[ImporterError] = field(default_factory=list)
    exports: list[tuple[str, str, int]] = field(default_factory=list)  # label, platform, messages


def import_paths(paths: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Import every export under `paths`. A bad file is reported and skipped whole; the
    others are still imported (DESIGN.md §4)."""
    options = options or ImportOptions()
    batches: list[Batch] = []
    errors: list[ImporterError] = []
    exports: list[tuple[str, str, int]] = []
    for path in paths:
        try:
            found = detect(path)
        except ImporterError as exc:
            errors.append(exc)
            continue
        for export in found:
            try:
                got = list(export.read(options))
            except ImporterError as exc:
                errors.append(exc)
                continue
            except Exception as exc:
                errors.append(
                    ImporterError(export.label, f"could not be read ({type(exc).__name__}: {exc})")
                )
                continue
            batches.extend(got)
            exports.append((export.label, export.platform, sum(len(b) for b in got)))
    return ImportReport(canonical=merge(batches), errors=errors, exports=exports)
