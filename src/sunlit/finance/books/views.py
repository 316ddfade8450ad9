"""Pages of the books: opening a community's books, the trial balance and account balances."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.core.tenancy import page_community
from sunlit.finance.books import ledger

# --- overview ---------------------------------------------------------------------------------
from sunlit.finance.models import JournalEntry
from sunlit.web.rendering import paginate, render_list


@login_required
@require_POST
def open_books(request):
    community = page_community(request, "finance.manage")
    added = ledger.open_books(community, actor=request.user)
    messages.success(request, _("已开设账簿，新增科目 %(n)d 个") % {"n": len(added)})
    return redirect("finance:home")


@login_required
def books(request):
    """账簿: balances per account and the journal, newest first."""
    community = page_community(request, "finance.view")
    entries = (JournalEntry.objects.in_community(community).select_related("posted_by")
               .prefetch_related("lines__account"))
    return render_list(request, "finance/books/books.html", {
        "balances": [row for row in ledger.balances(community).values() if row["debit"] or row["credit"]],
        **paginate(request, entries, per_page=20)})
