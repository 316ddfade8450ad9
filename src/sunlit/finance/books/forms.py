"""The widget attributes every finance form uses (Bootstrap classes; amounts typed as decimals)."""

from __future__ import annotations

INPUT = {"class": "form-control"}


SELECT = {"class": "form-select"}


MONEY = INPUT | {"inputmode": "decimal", "autocomplete": "off"}
