"""The agreement pages: each clause in words beside its text, the signatures, the 404 rule.

The store is tests/service/web/_world.py: docs/examples/agreements/leo-data-exchange.yaml
and the one-way `esa-conjunctions-to-jaxa`, both signed by esa and jaxa on 2026-01-01.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from accord.agreements import load_agreement
from accord.service import create_app
from accord.service.web._agreements import clause_in_words
from accord.store import create_engine, upgrade
from tests.access._world import example
from tests.service._api import settings_for
from tests.service.web._campaign_world import POOL_AGREEMENT_ID
from tests.service.web._world import build_console_world
from tests.service.web.test_pages import _sign_in

#: What the ESA-JAXA agreement's clauses say in words (docs/examples/agreements).
LEO_EXCHANGE_WORDS = (
    "European Space Agency (esa) lets Japan Aerospace Exploration Agency (jaxa) read catalog "
    "element sets and conjunction data (events and CDMs) about every satellite esa claims",
    "No onward sharing: the grantees may not pass the data on outside Accord.",
    "Onward sharing: the grantees may pass the data on outside Accord.",
    "read operator ephemerides about the satellites NORAD 39634, 40697.",
    "Positions are coarsened to 10 km before they leave",
    "The covariance is withheld.",
    "Embargo: each item is released 24 hours after the later of its epoch and its submission.",
    "European Space Agency (esa) commits to update the ephemerides of every satellite it "
    "claims at least every 24 hours.",
    "Japan Aerospace Exploration Agency (jaxa) commits to answer every coordination request "
    "within 12 hours.",
    "judged over consecutive periods of 30 days.",
    "1. negotiation between the parties, for up to 30 days.",
    "2. mediation by United Nations Office for Outer Space Affairs (unoosa), for up to 60 days.",
    "3. arbitration by Permanent Court of Arbitration, for up to 180 days.",
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(tmp_path_factory.mktemp("agreement-pages"))
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    build_console_world(engine)
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def test_the_list_shows_the_agreements_the_api_gives_each_partner(client: TestClient) -> None:
    for username, expected in (
        ("jaxa-analyst", {"esa-jaxa-leo-exchange", "esa-conjunctions-to-jaxa", POOL_AGREEMENT_ID}),
        ("nasa-analyst", set()),
    ):
        assert _sign_in(client, username).status_code == 303
        page = client.get("/console/agreements").text
        listed = set(re.findall(r'data-testid="agreement-row" data-agreement-id="([^"]+)"', page))
        api = client.get("/api/v1/agreements").json()
        assert listed == {a["id"] for a in api["items"]} == expected
    assert "not party to any agreement yet" in page


def test_each_clause_is_in_words_beside_its_text_with_the_signatures(client: TestClient) -> None:
    _sign_in(client, "esa-analyst")
    response = client.get("/console/agreements/esa-jaxa-leo-exchange")
    assert response.status_code == 200
    page = _text(response.text)
    for words in LEO_EXCHANGE_WORDS:
        assert words in page, words
    clause_ids = re.findall(r'data-testid="clause" data-clause-id="([^"]+)"', response.text)
    document = load_agreement(example("leo-data-exchange.yaml"), source="example")
    assert clause_ids == [c.id for c in document.clauses]
    assert "in force" in page and "version 1 of 1" in page
    for party in ("esa", "jaxa"):
        row = re.search(rf'data-testid="signature-row" data-party="{party}">(.*?)</tr>', page)
        assert row is not None and "2026-01-01 00:00:00 UTC" in row.group(1), party
    versions = client.get("/api/v1/agreements/esa-jaxa-leo-exchange/versions").json()
    assert versions["items"][0]["content_sha256"] in page
    # The document as stored, clause by clause and whole.
    assert "grantor: esa" in page and "mediator: partner: unoosa" not in page
    assert page.count("esa-ephemeris-cadence") >= 3  # heading, clause text, document


def test_an_agreement_of_others_reads_exactly_like_an_absent_one(client: TestClient) -> None:
    _sign_in(client, "nasa-analyst")
    hidden = client.get("/console/agreements/esa-jaxa-leo-exchange")
    absent = client.get("/console/agreements/no-such-agreement")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace("esa-jaxa-leo-exchange", "X") == absent.text.replace(
        "no-such-agreement", "X"
    )


def test_allocation_shares_and_station_assets_in_words() -> None:
    document = load_agreement(example("disaster-imaging-pool.yaml"), source="example")
    names = {p.partner: p.name for p in document.parties}
    written = document.raw["clauses"]
    assert isinstance(written, list)
    described = [
        clause_in_words(clause, names, text)
        for clause, text in zip(document.clauses, written, strict=True)
    ]
    shares = [d for d in described if d.kind == "Allocation shares"]
    assert shares and all(" %" in s for d in shares for s in d.sentences)
    stations = [d for d in described if "ground station" in " ".join(d.sentences)]
    assert stations, [d.sentences for d in described]
