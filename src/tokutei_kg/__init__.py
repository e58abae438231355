"""tokutei-kg: a knowledge graph of the Japan–Indonesia cooperation in Japan's Specified Skilled
Worker programme (特定技能 / Tokutei Ginou)."""

from __future__ import annotations

__version__ = "0.1.0"


def load(root: object = None) -> object:
    """Open the built dataset: ``kg = tokutei_kg.load(); kg.query("…")`` (see :mod:`tokutei_kg.api`)."""
    from .api import load as _load

    return _load(root)  # type: ignore[arg-type]
