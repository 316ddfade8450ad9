"""The helpers every app shares (issue 13): written once in core, tested here once."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from sunlit.core import idempotency, locking, numbering, sides
from sunlit.core.choices import Role
from sunlit.tickets.models import TicketSequence
from tests.factories import MembershipFactory


def test_locked_reads_the_row_again(community):
    community.name = "改了但没保存"
    fresh = locking.locked(community)
    assert fresh.pk == community.pk and fresh.name == "明强小区"


def test_status_error_names_the_state_on_the_status_field():
    class Stub:
        def get_status_display(self):
            return "已截止"

    error = locking.status_error(Stub(), "不能再投票", what="表决")
    assert error.message_dict == {"status": ["表决当前为“已截止”，不能再投票"]}


def test_apply_errors_puts_messages_beside_fields_and_the_rest_on_top():
    class Form(forms.Form):
        title = forms.CharField()
        reason = forms.CharField()

    form = Form({"title": "x", "reason": "y"})
    assert form.is_valid()
    locking_free = ValidationError({"title": ["太长"], "note": ["必填"], "other": ["出错了"]})
    from sunlit.core.forms import apply_errors

    apply_errors(form, locking_free, aliases={"note": "reason"})
    assert form.errors["title"] == ["太长"] and form.errors["reason"] == ["必填"]
    assert form.non_field_errors() == ["出错了"]
    plain = Form({"title": "x", "reason": "y"})
    plain.is_valid()
    apply_errors(plain, ValidationError("整个请求不对"))
    assert plain.non_field_errors() == ["整个请求不对"]


def test_numbers_are_consecutive_per_community_and_key(community, other_community):
    assert list(numbering.reserve(TicketSequence, community, "BX-20260311")) == [1]
    assert list(numbering.reserve(TicketSequence, community, "BX-20260311", 3)) == [2, 3, 4]
    assert list(numbering.reserve(TicketSequence, other_community, "BX-20260311")) == [1]
    assert list(numbering.reserve(TicketSequence, community, "TS-20260311")) == [1]


def test_service_keys_replay_the_first_object_and_refuse_a_reuse(community, finance):
    from sunlit.finance.models import Expense

    errors: dict = {}
    assert idempotency.clean_service_key("  k1 ", errors) == "k1" and not errors
    idempotency.clean_service_key("x" * 65, errors)
    assert errors == {"idempotency_key": ["幂等键最长 64 个字符"]}
    assert idempotency.replayed(Expense.objects.in_community(community), "") is None
    assert idempotency.replayed(Expense.objects.in_community(community), "k1") is None

    class Query:
        def __init__(self, row):
            self.row = row

        def filter(self, **kw):
            return self

        def first(self):
            return self.row

    row = object()
    assert idempotency.replayed(Query(row), "k1") is row
    assert idempotency.replayed(Query(row), "k1", same=lambda r: r is row) is row
    with pytest.raises(ValidationError) as caught:
        idempotency.replayed(Query(row), "k1", same=lambda r: False, conflict="已用于另一笔")
    assert caught.value.message_dict == {"idempotency_key": ["已用于另一笔"]}


def test_the_log_names_staff_by_name_and_the_owner_side_by_role(community, manager, committee):
    both = MembershipFactory(community=community, role=Role.COMMITTEE).user
    MembershipFactory(user=both, community=community, role=Role.SERVICE)
    assert sides.public_actor(manager, community, owner_side_label="业委会委员") == (
        str(manager), None)
    assert sides.public_actor(committee, community, owner_side_label="业委会委员") == (
        "业委会委员", str(committee))
    # an employee who also sits on the committee acts for the company: by name
    assert sides.public_actor(both, community, owner_side_label="业委会委员") == (str(both), None)
    assert sides.public_actor(None, community, owner_side_label="业委会委员") == (None, None)
