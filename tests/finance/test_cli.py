"""sunlit billing-run: preview, run with a progress bar, clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sunlit.finance.models import Bill, BillingRun


def _call(*args):
    out = StringIO()
    call_command("billing_run", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_preview_then_run(community, finance, homes, property_fee):
    out = _call("--community", "mingqiang", "--period", "2026-01", "--actor", "finance", "--preview")
    assert "物业服务费" in out and "634.13" in out and "未写入" in out
    assert not Bill.objects.exists()
    out = _call("--community", "mingqiang", "--period", "2026-01", "--actor", "finance")
    assert "计费完成：3 张账单" in out and BillingRun.objects.get().bill_count == 3
    with pytest.raises(CommandError, match="已经计费"):
        _call("--community", "mingqiang", "--period", "2026-01", "--actor", "finance")


@pytest.mark.parametrize(("args", "message"), [
    (["--community", "nope", "--period", "2026-01", "--actor", "finance"], "没有编码"),
    (["--community", "mingqiang", "--period", "2026-13", "--actor", "finance"], "YYYY-MM"),
    (["--community", "mingqiang", "--period", "2026-01", "--actor", "owner"], "没有计费权限"),
])
def test_bad_arguments(community, finance, owner, homes, property_fee, args, message):
    with pytest.raises(CommandError, match=message):
        _call(*args)
    assert not Bill.objects.exists()


def test_demo_loader(community, finance, homes, parking_space):
    from sunlit.finance import demo
    from sunlit.finance.books import ledger
    from sunlit.finance.models import Payment

    made = demo.load_demo(community, payers=3)
    assert made == 48  # four units × twelve months
    # the first three households pay by their habits, at most once each (some never do)
    assert 1 <= Payment.objects.count() <= 3 and ledger.trial_balance_ok(community)
    assert demo.load_demo(community) == 0
