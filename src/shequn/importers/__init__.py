"""Chat-history importers: exports → canonical events, pure Python. See docs/importers.md."""

from .canonical import Canonical, merge
from .detect import detect, import_paths
from .errors import ImporterError
from .events import Batch, BatchBuilder
from .options import ImportOptions

__all__ = [
    "Batch",
    "BatchBuilder",
    "Canonical",
    "ImportOptions",
    "ImporterError",
    "detect",
    "import_paths",
    "merge",
]
