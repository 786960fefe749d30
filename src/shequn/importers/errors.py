"""The one error type importers raise. See docs/importers.md (Bad input)."""

from __future__ import annotations


class ImporterError(Exception):
    """Bad or unreadable input, named by file and, where known, line or record.

    `location` is free text such as "line 12" or "message #3 (id 1234)"; the message must
    tell an operator what is wrong in words, never a traceback.
    """

    def __init__(self, path: str, message: str, location: str | None = None) -> None:
        self.path = str(path)
        self.location = location
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}, {self.location}" if self.location else self.path
        return f"{where}: {self.message}"
