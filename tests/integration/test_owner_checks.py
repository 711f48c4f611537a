"""Owners' input checks and the geocoders, without a conversation around them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from geopy.extra.rate_limiter import AsyncRateLimiter

from catalog.db import create_engine, session_factory
from catalog.views import AreaView
from concierge import geocoding
from concierge.owners import checks

TODAY = dt.date(2026, 12, 20)


def test_phone_and_website() -> None:
    assert checks.phone("023 123 4567", "NL") == "+31 23 123 4567"
    assert checks.phone("+49 30 1234567", "NL").startswith("+49 30")
    for bad in ("12", "call me", "+31 0"):
        with pytest.raises(checks.Invalid):
            checks.phone(bad, "NL")
    assert checks.website("example.org") == "https://example.org"
    assert checks.website("http://bakker.example.nl/over") == "http://bakker.example.nl/over"
    for bad in (
        "not a website",
        "javascript:alert(1)",
        "ftp://example.org",
        "https://localhost",
        "<b>x</b>.nl",
    ):
        with pytest.raises(checks.Invalid):
            checks.website(bad)


def test_names_products_and_story_limits() -> None:
    assert checks.name("  Bakkerij   <b>Zon</b> ") == "Bakkerij <b>Zon</b>"
    for bad in ("", "   ", "x" * 81, "!!!"):
        with pytest.raises(checks.Invalid):
            checks.name(bad)
    assert checks.product_lines("- brood\n• melk\n\n") == ["brood", "melk"]
    assert checks.product_lines("brood, melk, kaas") == ["brood", "melk", "kaas"]
    with pytest.raises(checks.Invalid):
        checks.product_lines("x" * 81)
    assert checks.story_part("a" * 600) == "a" * 600
    with pytest.raises(checks.Invalid):
        checks.story_part("a" * 601)
    assert checks.time_span("7.30 - 18") == ("07:30", "18:00")
    with pytest.raises(checks.Invalid):
        checks.time_span("18:00-07:30")


KNOWN = [
    geocoding.KnownAddress("Kastanjeplein 2, 2031 KP Haarlem", 52.3865, 4.6555),
    geocoding.KnownAddress("Kastanjeplein 9, 2031 KP Haarlem", 52.3869, 4.6561),
    geocoding.KnownAddress("Molenstraat 14a, 2031 KP Haarlem", 52.3800, 4.6570),
]
PLACES = {"Wilgenpark": (52.3904, 4.6581)}


def test_offline_geocoder_exact_address_street_and_place() -> None:
    exact = geocoding.offline_lookup("kastanjeplein 9", KNOWN, PLACES)
    assert exact is not None and (exact.lat, exact.lon) == (52.3869, 4.6561)
    street = geocoding.offline_lookup("Kastanjeplein 5", KNOWN, PLACES)
    assert street is not None and street.address == "Kastanjeplein 5"
    assert (street.lat, street.lon) == pytest.approx((52.3867, 4.6558))
    typo = geocoding.offline_lookup("Molenstraat 14A", KNOWN, PLACES)
    assert typo is not None and typo.lat == 52.3800
    place = geocoding.offline_lookup("wilgenpark", KNOWN, PLACES)
    assert place is not None and place.address == "Wilgenpark"
    assert geocoding.offline_lookup("Hoofdstraat 1, Amsterdam", KNOWN, PLACES) is None
    assert geocoding.offline_lookup("   ", KNOWN, PLACES) is None


def test_nominatim_identifies_itself_and_keeps_to_one_request_a_second() -> None:
    limiter = geocoding._nominatim(geocoding.USER_AGENT)
    assert isinstance(limiter, AsyncRateLimiter)
    assert limiter.min_delay_seconds >= 1.0
    geolocator = limiter.func.__self__
    assert geolocator.headers["User-Agent"] == geocoding.USER_AGENT
    assert "concierge" in geocoding.USER_AGENT


def test_fictional_areas_and_the_offline_setting_never_use_the_network(tmp_path: Path) -> None:
    real = AreaView("a", "Lindenhof", "Utrecht", (52.09, 5.11), 1500)
    fictional = AreaView("b", "Demo", "Haarlem", (52.38, 4.65), 1200, fictional=True)
    sessions = session_factory(create_engine(f"sqlite+aiosqlite:///{tmp_path}/unused.db"))

    def kind(setting: str, area: AreaView) -> str:
        return geocoding.geocoder_for(setting, sessions, area).__qualname__.split(".")[0]

    assert kind("offline", real) == "offline_geocoder"
    assert kind("nominatim", fictional) == "offline_geocoder"
    assert kind("nominatim", real) == "nominatim_geocoder"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("di-za", "nl", [1, 2, 3, 4, 5]),
        ("maandag tot vrijdag", "nl", [0, 1, 2, 3, 4]),
        ("Mo,We,Fr", "en", [0, 2, 4]),
        ("Di-Sa", "de", [1, 2, 3, 4, 5]),
        ("lun, mer, ven", "fr", [0, 2, 4]),
        ("Sat-Mon", "en", [0, 5, 6]),
    ],
)
def test_typed_weekdays_in_the_owners_language(text: str, lang: str, expected: list[int]) -> None:
    assert checks.weekdays(text, lang) == expected


def test_typed_weekdays_that_are_not_days_are_refused() -> None:
    with pytest.raises(checks.Invalid):
        checks.weekdays("whenever", "en")
