"""Status badges — 状态徽标: one colour per state, declared once by the app that owns the state.

An app registers the colours of a kind of state beside its choices::

    badges.register("tickets.ticket", {TicketStatus.PENDING: "orange", ...})

and every page shows that state with ``{% load badges %}{% status_badge ticket %}`` (a model
instance: its ``status`` and ``get_status_display``) or ``{% status_badge value label
kind="board.item" %}`` (a state held elsewhere, such as a published board's item). The
colours are Tabler's (``bg-<colour>-lt``); a state without a colour is ``secondary``.
"""

from __future__ import annotations

from collections.abc import Mapping

COLOURS: dict[str, tuple[dict[str, str], str]] = {}
DEFAULT = "secondary"


def register(kind: str, colours: Mapping[str, str], *, default: str = DEFAULT) -> None:
    """The colours of the states of ``kind`` (a model's ``app_label.model_name``, or any key)."""
    COLOURS[kind] = ({str(state): colour for state, colour in colours.items()}, default)


def colour(kind: str | None, state) -> str:
    colours, default = COLOURS.get(kind or "", ({}, DEFAULT))
    return colours.get(str(state), default)
