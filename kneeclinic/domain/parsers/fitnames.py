"""Readable device names from the manufacturer and product numbers of a FIT file_id message."""

from __future__ import annotations

from fitdecode import profile

GARMIN_FAMILY = frozenset({1, 13, 15})
"""garmin, dynastream_oem, dynastream: their products share Garmin's product list."""

_PREFIXES = (
    ("fr", "Forerunner "),
    ("fenix", "fenix "),
    ("edge", "Edge "),
    ("vivo_active", "vivoactive "),
    ("vivoactive", "vivoactive "),
    ("virb", "VIRB "),
)


def device_name(manufacturer: float | None, product: float | None) -> str:
    """E.g. ``Garmin Forerunner 945``; the maker alone without a product; ``""`` without a maker."""
    if manufacturer is None:
        return ""
    makers: dict[int, str] = profile.FIELD_TYPES["manufacturer"].enum
    maker = makers.get(int(manufacturer), f"manufacturer {int(manufacturer)}")
    maker_label = maker.replace("_", " ").title() if maker.islower() else maker
    if product is None:
        return maker_label
    if int(manufacturer) in GARMIN_FAMILY:
        products: dict[int, str] = profile.FIELD_TYPES["garmin_product"].enum
        known = products.get(int(product))
        if known is not None:
            return f"{maker_label} {_pretty(known)}"
    return f"{maker_label} (product {int(product)})"


def _pretty(product: str) -> str:
    for prefix, label in _PREFIXES:
        if product.startswith(prefix) and product != prefix:
            rest = product[len(prefix) :].lstrip("_").replace("_", " ")
            return f"{label}{rest.upper() if len(rest) <= 4 else rest}"
    return product.replace("_", " ")
