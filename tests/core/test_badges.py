"""One status badge for every page: the colours an app registers, the label of the state."""

from __future__ import annotations

from django.template import Context, Template

from sunlit.registry.choices import ImportStatus
from sunlit.registry.models import RosterImport
from sunlit.tickets.models import Ticket


def _render(source: str, **context) -> str:
    return Template("{% load badges %}" + source).render(Context(context))


def test_a_model_instance_shows_its_state_in_its_colour():
    html = _render("{% status_badge r %}", r=RosterImport(status=ImportStatus.INVALID))
    assert html == '<span class="badge bg-red-lt" data-status="invalid">有错误</span>'


def test_a_state_held_elsewhere_names_its_kind_and_falls_back_to_the_default():
    assert 'bg-green-lt' in _render('{% status_badge "resolved" "已解决" kind="board.item" %}')
    html = _render('{% status_badge "in_progress" "处理中" kind="board.item" testid="item-status" %}')
    assert html == ('<span class="badge bg-yellow-lt" data-status="in_progress" '
                    'data-testid="item-status">处理中</span>')
    assert 'bg-secondary-lt' in _render('{% status_badge "x" kind="no.such.kind" %}')


def test_another_field_and_extra_classes():
    ticket = Ticket(status="resolved")
    html = _render('{% status_badge t classes="fs-4" %}', t=ticket)
    assert html.startswith('<span class="badge bg-teal-lt fs-4" data-status="resolved">')


def test_the_label_is_escaped():
    html = _render('{% status_badge "pending" label kind="tickets.ticket" %}', label="<b>x</b>")
    assert "<b>" not in html and "&lt;b&gt;" in html
