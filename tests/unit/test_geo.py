"""catalog.geo's great-circle distance against geopy's, which it replaces at start-up."""

from __future__ import annotations

from geopy.distance import geodesic, great_circle
from hypothesis import given
from hypothesis import strategies as st

from catalog.geo import great_circle_m

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)
points = st.tuples(latitudes, longitudes)


@given(points, points)
def test_same_as_geopy_great_circle(a: tuple[float, float], b: tuple[float, float]) -> None:
    assert abs(great_circle_m(a, b) - great_circle(a, b).meters) < 1e-6


@given(points, st.floats(min_value=-0.02, max_value=0.02), st.floats(min_value=-0.02, max_value=0.02))
def test_close_to_the_ellipsoid_at_neighbourhood_scale(
    a: tuple[float, float], dlat: float, dlon: float
) -> None:
    b = (max(-90.0, min(90.0, a[0] + dlat)), a[1] + dlon)
    assert abs(great_circle_m(a, b) - geodesic(a, b).meters) <= 0.006 * geodesic(a, b).meters + 1e-6


def test_known_distances() -> None:
    assert great_circle_m((52.0, 5.0), (52.0, 5.0)) == 0.0
    # a quarter of a meridian on a sphere of 6,371,009 m: pi / 2 * r
    assert abs(great_circle_m((0.0, 0.0), (90.0, 0.0)) - 10_007_557.5) < 0.1
    # one degree of longitude on the equator
    assert abs(great_circle_m((0.0, 0.0), (0.0, 1.0)) - 111_195.08) < 0.01
