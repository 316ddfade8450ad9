"""Roster import (preview, then all-or-nothing commit) and export. (Being written.)"""

from django.http import Http404


def upload(request):
    raise Http404


def preview(request, import_id: int):
    raise Http404


def export(request):
    raise Http404
