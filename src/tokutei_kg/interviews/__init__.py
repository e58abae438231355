"""Import coded interviews: REFI-QDA projects (.qdpx) and the one-sheet form (CSV/XLSX)."""

from .importer import Plan, init_mapping, plan_import, write_plan

__all__ = ["Plan", "init_mapping", "plan_import", "write_plan"]
