"""tokutei-kg: a knowledge graph of the Japan–Indonesia cooperation in Japan's Specified Skilled
Worker programme (特定技能 / Tokutei Ginou)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .api import KG

__version__ = "0.1.0"


def load(root: str | Path | None = None) -> KG:
    """Open the built dataset: ``kg = tokutei_kg.load(); kg.query("…")`` (see :mod:`tokutei_kg.api`)."""
    from .api import load as _load

    return _load(root)
