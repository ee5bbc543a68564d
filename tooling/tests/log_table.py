"""The module's log table (its tests' ``tests/log_table.py``, the one copy), for the tables these tests make."""

from __future__ import annotations

from typing import Any

from pipeline_tooling.package import load_file
from pipeline_tooling.paths import module_root

LOG_TABLE: dict[str, Any] = load_file("log_table", module_root() / "tests" / "log_table.py").LOG_TABLE
