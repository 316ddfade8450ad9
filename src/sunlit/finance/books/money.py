"""Money for the finance app: ``sunlit.core.money`` (one parser of amounts for every app)."""

from sunlit.core.money import (  # noqa: F401 — re-exported
    CURRENCY,
    FEN,
    MAX_AMOUNT,
    ZERO,
    MoneyError,
    parse_decimal,
    parse_money,
    text,
    to_fen,
)
