"""Find the shared test data that sits beside the checkout, in ``<repo>/../shared/data``.

``shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")`` returns the
path when the file or folder exists. When it does not, the calling test is skipped with the path
in the reason; under ``CI=true`` it fails instead, so a CI run cannot go green without the data.
Mark such tests ``@pytest.mark.shared_data``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_path(*parts: str) -> Path:
    """The path of ``../shared/data/<parts...>``; skips the test (fails under CI=true) if absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = f"shared test data not found: {path} (expected beside the checkout, in ../shared/data)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    return path
