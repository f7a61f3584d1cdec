"""Where an area is, in words a map understands. Pure."""

from __future__ import annotations

from qrpark.lots.models import Area, Lot


def map_link(lat: float | None, lon: float | None) -> str | None:
    """An OpenStreetMap link that drops a pin at the coordinates (works in any phone browser)."""
    if lat is None or lon is None:
        return None
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=19/{lat:.6f}/{lon:.6f}"
    )


def area_map_link(lot: Lot, area: Area) -> str | None:
    """The area's own coordinates, or the lot's where the area has none."""
    return map_link(area.latitude or lot.latitude, area.longitude or lot.longitude)
