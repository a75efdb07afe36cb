"""`accord.spacetrack.__all__` lists exactly the public names the package exports."""

from __future__ import annotations

import accord.spacetrack


def test_all_is_honest() -> None:
    public = {name for name in vars(accord.spacetrack) if not name.startswith("_")}
    assert set(accord.spacetrack.__all__) == public
