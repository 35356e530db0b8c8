"""Shared fixtures: every test gets its own data and settings directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.strict_json import strict_json_outputs  # noqa: F401  (autouse: every --json output is strict JSON)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep user data, settings and caches of a test inside its tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DORSI_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("DORSI_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
