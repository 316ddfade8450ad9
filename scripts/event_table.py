#!/usr/bin/env python3
"""Print the Markdown table of every registered log event type (docs/transparency.md).

    SUNLIT_DATA_DIR=$(mktemp -d) .venv/bin/python scripts/event_table.py

Each public field with its field kind (``transparency.kinds.FIELD_KINDS``; nested JSON as its
shape), and the fields written only as commitments. ``tests/transparency/test_event_privacy.py``
checks that the table in the docs is this one.
"""

from __future__ import annotations

import os


def shape(what) -> str:
    from sunlit.transparency import events

    if isinstance(what, str):
        return what
    if isinstance(what, events.ListOf):
        return f"[{shape(what.item)}]"
    if isinstance(what, events.Tuple):
        return "(" + ", ".join(shape(i) for i in what.items) + ")"
    if isinstance(what, events.MapOf):
        return f"{{{what.key} → {shape(what.value)}}}"
    if isinstance(what, events.Obj):
        return "{" + ", ".join(f"{name}: {shape(item)}" for name, item in what.fields) + "}"
    raise TypeError(what)


def table() -> str:
    from sunlit.transparency.events import REGISTRY

    lines = ["| type | label | subject | public (field: kind) | committed only |",
             "|---|---|---|---|---|"]
    for name, event in sorted(REGISTRY.items()):  # by name: not by which app registers first
        public = ", ".join(f"{key}: {shape(spec.what)}{'' if spec.required else '?'}"
                           for key, spec in event.public.items())
        private = ", ".join(key + ("" if spec.required else "?")
                            for key, spec in event.private.items())
        public = public.replace("|", "\\|")
        lines.append(f"| `{name}` | {event.label} | `{event.subject or 'any'}` | {public} | "
                     f"{private} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    import django

    django.setup()
    print(table(), end="")
