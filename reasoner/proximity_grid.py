"""Points on the earth bucketed in a grid, to find the points within a distance of one quickly.

Rows are ``distance_km`` of latitude high, so a point's neighbours lie in its own row and the two
next to it. Within a row, cells are about as wide as they are high; which cells a point must look
at is worked out from the widest longitude difference that two points of those three rows can
have at ``distance_km`` (exact on the sphere, across the antimeridian too). Points are added and
removed one at a time, so the same grid serves a province built at once and one kept current
after each change.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180

Point = tuple[float, float]  # (lat, lon) in degrees
Placed = tuple[float, float, float, float, float]  # lat, lon; both in radians; cos of the lat


def _placed(point: Point) -> Placed:
    lat, lon = math.radians(point[0]), math.radians(point[1])
    return (point[0], point[1], lat, lon, math.cos(lat))


def _haversine(a: Placed, b: Placed) -> float:
    """The haversine of the central angle between two points (the sine of half of it,
    squared): it grows with the distance and needs no inverse trigonometry, which only the
    pairs that can be near enough then pay for."""
    return math.sin((b[2] - a[2]) / 2) ** 2 + a[4] * b[4] * math.sin((b[3] - a[3]) / 2) ** 2


def _km(haversine: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(haversine)))


def haversine_km(a: Point, b: Point) -> float:
    return _km(_haversine(_placed(a), _placed(b)))


class ProximityGrid:
    """Named points and, for each, the others within ``distance_km`` (none when not positive)."""

    def __init__(self, distance_km: float) -> None:
        self.distance_km = distance_km
        self._lat_step = distance_km / KM_PER_DEGREE if distance_km > 0 else 180.0
        self._rows: dict[int, dict[int, dict[str, Placed]]] = {}
        self._cells: dict[str, tuple[int, int]] = {}
        # A bound with room for rounding: a pair above it is surely farther than distance_km.
        angle = distance_km / (2 * EARTH_RADIUS_KM)
        self._max_haversine = (
            math.sin(angle) ** 2 * (1 + 1e-6) if 0 < angle < math.pi / 2 else math.inf
        )

    def __contains__(self, name: str) -> bool:
        return name in self._cells

    def __len__(self) -> int:
        return len(self._cells)

    def add(self, name: str, point: Point) -> None:
        self.remove(name)
        row = self._row(point[0])
        col = math.floor(point[1] / self._lon_step(row))
        self._rows.setdefault(row, {}).setdefault(col, {})[name] = _placed(point)
        self._cells[name] = (row, col)

    def remove(self, name: str) -> None:
        where = self._cells.pop(name, None)
        if where is None:
            return
        row, col = where
        cells = self._rows[row]
        del cells[col][name]
        if not cells[col]:
            del cells[col]
            if not cells:
                del self._rows[row]

    def neighbours(self, name: str) -> Iterator[tuple[str, float]]:
        """Every other point within ``distance_km`` of point ``name``, with the distance in km."""
        if self.distance_km <= 0:
            return
        row, col = self._cells[name]
        point = self._rows[row][col][name]
        reach = self._lon_reach(row)
        # Two points farther apart in latitude than this are farther apart than distance_km
        # (no path between them is shorter than the meridian arc): most candidates of the
        # three rows end here, without the trigonometry of haversine_km.
        lat_reach = self._lat_step * (1 + 1e-9)
        lat = point[0]
        for r in (row - 1, row, row + 1):
            cells = self._rows.get(r)
            if not cells:
                continue
            for cell in self._cells_within(cells, r, point[1], reach):
                for other, where in cell.items():
                    if (
                        abs(where[0] - lat) <= lat_reach
                        and other != name
                        and (h := _haversine(point, where)) <= self._max_haversine
                        and (km := _km(h)) <= self.distance_km
                    ):
                        yield other, km

    def _row(self, lat: float) -> int:
        return math.floor(lat / self._lat_step)

    def _edge_lat(self, first_row: int, last_row: int) -> float:
        """The largest |latitude| in rows ``first_row`` to ``last_row``, capped at 90."""
        return min(90.0, max(abs(first_row * self._lat_step), abs((last_row + 1) * self._lat_step)))

    def _lon_step(self, row: int) -> float:
        """A cell's width in degrees of longitude: about ``distance_km`` at the row's edge."""
        cos_lat = math.cos(math.radians(self._edge_lat(row, row)))
        return min(360.0, self._lat_step / max(cos_lat, 1e-9))

    def _lon_reach(self, row: int) -> float:
        """The widest longitude difference, in degrees, of two points within ``distance_km``
        whose latitudes lie in rows ``row - 1`` to ``row + 1``; 180 when any can be reached."""
        cos_lat = math.cos(math.radians(self._edge_lat(row - 1, row + 1)))
        ratio = math.sin(self.distance_km / (2 * EARTH_RADIUS_KM)) / max(cos_lat, 1e-12)
        return 180.0 if ratio >= 1 else math.degrees(2 * math.asin(ratio))

    def _cells_within(
        self, cells: dict[int, dict[str, Placed]], row: int, lon: float, reach: float
    ) -> Iterator[dict[str, Placed]]:
        if reach >= 180.0:
            yield from cells.values()
            return
        step = self._lon_step(row)
        seen: set[int] = set()
        for shift in (-360.0, 0.0, 360.0):
            lo, hi = lon - reach + shift, lon + reach + shift
            if hi < -180.0 or lo > 180.0:
                continue
            for col in range(math.floor(lo / step), math.floor(hi / step) + 1):
                if col not in seen and col in cells:
                    seen.add(col)
                    yield cells[col]
