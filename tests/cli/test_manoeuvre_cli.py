"""`accord manoeuvre list|show`: the plans a partner may see, as the API's plan listing.

The world is tests/coordination_ops/_world.py (ESA's 39634 and JAXA's 41240 pass 3.14 km
apart; ESA shares its conjunction data with JAXA, not with NASA). ESA makes two plans of
the prograde 0.5 m/s burn of tests/coordination_ops/test_plans.py (one orbit before TCA,
4.65 km from JAXA's satellite afterwards): one stays hypothetical, the other is made, shared
and committed through the CLI, so it enters the catalog as a fitted element set. Each
partner's `list` is then compared with what `GET /api/v1/coordination/cases/{id}/plans`
gives the same partner's API key, on the same store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from accord.cli import app
from accord.coordination_ops import get_case, open_cases_from_alerts, plan_manoeuvre
from accord.service import create_app
from accord.store import ManoeuvrePlanKind, transaction
from tests.coordination_ops._world import JAXA_SAT, NOW, build
from tests.service._api import issue_key, settings_for

PERIOD = timedelta(days=1 / 15.5)
PROGRADE_RTN_M_S = (0.0, 0.5, 0.0)
#: test_plans' figures for this burn: the event's miss, and the new approach to JAXA's.
AVOIDED_MISS_KM, NEW_MISS_KM, MISS_TOLERANCE_KM = 3.14, 4.65, 0.02
_PLAN_ROW = re.compile(r"^\W*(\d+)\W+(hypothetical|candidate|committed)\W", re.MULTILINE)


class World:
    """The store, the case, the two plans' ids, and a runner of `accord` on that store."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = settings_for(tmp_path)
        self.env = {
            "ACCORD_VAR_DIR": str(self.settings.var_dir),
            "ACCORD_DATABASE_URL": "",
            "ACCORD_SEED_DEMO": "false",
            "COLUMNS": "250",
        }
        self.runner = CliRunner()

    def accord(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), env=self.env, terminal_width=250)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict[str, Any]]]:
    world = World(tmp_path_factory.mktemp("manoeuvre-cli"))
    with TestClient(create_app(world.settings)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        build(engine)
        (case_id,) = open_cases_from_alerts(engine, now=NOW)
        with transaction(engine, write_lock=True) as session:
            burn_at = get_case(session, case_id).trigger.tca - PERIOD
            hypothetical_id, _ = plan_manoeuvre(
                session,
                case_id,
                owner="esa",
                at=NOW,
                kind=ManoeuvrePlanKind.HYPOTHETICAL,
                burn_at=burn_at,
                delta_v_rtn_m_s=PROGRADE_RTN_M_S,
            )
        made = world.accord(
            "manoeuvre",
            "plan",
            case_id,
            "--delta-v-rtn-m-s",
            ",".join(str(x) for x in PROGRADE_RTN_M_S),
            "--at",
            burn_at.isoformat(),
            "--as",
            "esa",
        )
        assert made.exit_code == 0, made.output
        found = re.search(r"plan (\d+): acceptable", made.output)
        assert found is not None, made.output
        committed_id = int(found.group(1))
        for step in ("share", "commit"):
            moved = world.accord("manoeuvre", step, str(committed_id), "--as", "esa")
            assert moved.exit_code == 0, moved.output
        keys = {h: issue_key(engine, h, ("read",)) for h in ("esa", "jaxa", "nasa")}
        api = {
            handle: client.get(
                f"/api/v1/coordination/cases/{case_id}/plans",
                headers={"Authorization": f"Bearer {key}"},
            )
            for handle, key in keys.items()
        }
        yield (
            world,
            {
                "case": case_id,
                "hypothetical": hypothetical_id,
                "committed": committed_id,
                "api": api,
            },
        )


def _listed(result: Result) -> list[tuple[int, str]]:
    assert result.exit_code == 0, result.output
    return [(int(i), kind) for i, kind in _PLAN_ROW.findall(result.output)]


def test_each_partner_lists_exactly_the_plans_the_api_lists_for_it(world: Any) -> None:
    cli, ids = world
    expected = {
        "esa": [(ids["hypothetical"], "hypothetical"), (ids["committed"], "committed")],
        "jaxa": [(ids["committed"], "committed")],  # a party: not the hypothetical plan
        "nasa": [],  # not a party, and ESA grants it no conjunction data
    }
    for handle, plans in expected.items():
        listed = _listed(cli.accord("manoeuvre", "list", "--as", handle))
        assert listed == plans, handle
        api = ids["api"][handle]
        if plans:
            assert api.status_code == 200
            assert [(p["id"], p["kind"]) for p in api.json()["items"]] == listed, handle
        else:
            assert api.status_code == 404  # nasa may not see the case at all
    nothing = cli.accord("manoeuvre", "list", "--as", "nasa")
    assert "no manoeuvre plan visible to nasa" in nothing.output


def test_the_listing_names_case_owner_burn_delta_v_verdict_and_catalog_batch(world: Any) -> None:
    cli, ids = world
    result = cli.accord("manoeuvre", "list", "--as", "jaxa", "--case", ids["case"])
    (row,) = [line for line in result.output.splitlines() if f" {ids['committed']} " in line]
    batch = ids["api"]["jaxa"].json()["items"][0]["catalog_entry"]["batch_id"]
    for shown in (ids["case"], "esa", "39634", "0, 0.5, 0", "acceptable", f" {batch} "):
        assert shown in row, shown
    closest, avoided = re.search(r"(\d+\.\d{3}) \((\d+\.\d{3})\)", row).groups()  # type: ignore[union-attr]
    assert float(closest) == pytest.approx(NEW_MISS_KM, abs=MISS_TOLERANCE_KM)
    assert float(avoided) == pytest.approx(AVOIDED_MISS_KM, abs=MISS_TOLERANCE_KM)
    # Another case's filter (absent here) lists nothing, in the words of an empty listing.
    other = cli.accord("manoeuvre", "list", "--as", "esa", "--case", "case-999999")
    assert other.exit_code == 0
    assert "no manoeuvre plan of case case-999999 visible to esa" in other.output


def test_show_gives_the_screening_before_and_after_and_the_fit_of_a_committed_plan(
    world: Any,
) -> None:
    cli, ids = world
    result = cli.accord("manoeuvre", "show", str(ids["committed"]), "--as", "jaxa")
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"plan {ids['committed']}: committed plan of esa for object 39634" in text
    before = re.search(r"before \(avoided\): objects 39634 and 41240 at \S+, miss (\S+) km", text)
    assert before is not None, text
    assert float(before.group(1)) == pytest.approx(AVOIDED_MISS_KM, abs=MISS_TOLERANCE_KM)
    after = re.search(rf"after \(worst\): object {JAXA_SAT} at \S+, miss (\S+) km", text)
    assert after is not None, text
    assert float(after.group(1)) == pytest.approx(NEW_MISS_KM, abs=MISS_TOLERANCE_KM)
    entry = ids["api"]["jaxa"].json()["items"][0]["catalog_entry"]
    assert f"catalog: batch {entry['batch_id']}" in text
    assert f"RMS {entry['fit_rms_km']:.3f} km, max {entry['fit_max_km']:.3f} km" in text
    assert f"({entry['fit_samples']} samples)" in text


def test_show_refuses_a_hidden_plan_in_the_words_of_an_absent_one(world: Any) -> None:
    cli, ids = world
    own = cli.accord("manoeuvre", "show", str(ids["hypothetical"]), "--as", "esa")
    assert own.exit_code == 0 and "hypothetical plan of esa" in own.output
    assert "catalog:" not in own.output  # not committed: no catalog entry
    hidden = cli.accord("manoeuvre", "show", str(ids["hypothetical"]), "--as", "jaxa")
    absent = cli.accord("manoeuvre", "show", "999999", "--as", "jaxa")
    assert hidden.exit_code == absent.exit_code == 1
    assert f"no manoeuvre plan {ids['hypothetical']} visible to jaxa" in hidden.output
    assert hidden.output.replace(str(ids["hypothetical"]), "N") == absent.output.replace(
        "999999", "N"
    )
    unknown = cli.accord("manoeuvre", "list", "--as", "nobody")
    assert unknown.exit_code == 1 and "accord partner list" in unknown.output
