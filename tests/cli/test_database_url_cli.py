"""A bad ACCORD_DATABASE_URL is one line naming the variable, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.cli import main
from tests.store.test_engine_urls import closed_port


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("::not a url::", "is not a database URL"),
        ("mysql://root:pw@localhost/accord", "names 'mysql', which Accord does not support"),
        # The port is chosen in the test: a parameter must be the same in every xdist worker.
        ("postgresql+psycopg://accord@127.0.0.1:{closed_port}/accord", "Connection refused"),
    ],
)
@pytest.mark.parametrize("command", [["catalog", "list"], ["serve", "--port", "1"]])
def test_bad_database_url_is_one_user_error_line(
    url: str,
    expected: str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ACCORD_DATABASE_URL", url.replace("{closed_port}", str(closed_port())))
    monkeypatch.setenv("ACCORD_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ACCORD_SEED_DEMO", "false")
    monkeypatch.setattr("sys.argv", ["accord", *command])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1  # a user error, not 2 (internal error)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "ACCORD_DATABASE_URL" in lines[0] and expected in lines[0]
