"""Shared test setup.

Tests marked ``@pytest.mark.libreoffice`` need a real LibreOffice
(``soffice``). They are skipped when it is missing on a developer machine,
but never when ``CI=true``: CI installs LibreOffice, so a missing one there
must fail loudly instead of silently skipping the checks.
"""
from __future__ import annotations

import os

import pytest

from milebill_xl.office import soffice_path


def libreoffice_skip_reason() -> str | None:
    """Why LibreOffice tests are skipped here, or None to run them."""
    if soffice_path() is not None or os.environ.get("CI") == "true":
        return None
    return "LibreOffice (soffice) is not installed and CI is not 'true'"


def pytest_collection_modifyitems(config, items):
    reason = libreoffice_skip_reason()
    if reason is None:
        return
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def soffice() -> str:
    """Path of soffice; skips (outside CI) or fails (CI) when missing."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path
