"""The community simulator: planted worlds written as real exports, with ground truth.
See docs/simulate.md.

    from shequn.simulate import SimConfig, generate, write_export
    community = generate(SimConfig(seed=7, groups=6, messages=20_000))
    written = write_export(community, "telegram", Path("out/demo"))
    tables = community.canonical("telegram")  # the same world as canonical tables
"""

from .generate import Community, GroupLog, generate
from .model import SimConfig
from .writers import FORMATS, Written, write_export, write_formats

__all__ = [
    "FORMATS",
    "Community",
    "GroupLog",
    "SimConfig",
    "Written",
    "generate",
    "write_export",
    "write_formats",
]
