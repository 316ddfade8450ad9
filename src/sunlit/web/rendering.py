"""Helpers that every list page shares: full page or htmx partial, and pagination."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from sunlit.transparency.entry import canonical

PAGE_SIZE = 25


def render_list(request, template: str, context: dict, *, partial: str = "results"):
    """The whole page, or only its ``{% partialdef results %}`` for an htmx request."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        template = f"{template}#{partial}"
    return render(request, template, context)


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> dict:
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {"page_obj": page, "querystring_without_page": params.urlencode()}


def canonical_json(document: dict, filename: str = "") -> HttpResponse:
    """A published document as its RFC 8785 bytes: ``sha256sum`` of the download is the hash on
    the log. ``filename`` names the download (shown inline)."""
    response = HttpResponse(canonical(document), content_type="application/json; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
