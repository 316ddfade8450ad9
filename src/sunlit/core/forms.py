"""What every form of the pages shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, exc: ValidationError, *,
                 aliases: dict[str, str] | None = None) -> None:
    """Puts a service's ValidationError beside the matching fields of ``form`` (what the user
    typed stays); ``aliases`` maps a service's field name to the form's; the rest goes on top."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        name = aliases.get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


def flash_errors(request, exc: ValidationError) -> None:
    """A service's refusal of a one-button action (no form to put it beside): each message
    shown at the top of the page the user is sent back to."""
    from django.contrib import messages

    for message in exc.messages:
        messages.error(request, message)
