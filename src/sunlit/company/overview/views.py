"""The company view (公司总览): every community of the company on one page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sunlit.company.access import require_company_admin
from sunlit.company.overview.selectors import overview


@login_required
def company_overview(request):
    organization = require_company_admin(request.user)
    return render(request, "company/overview/overview.html",
                  {"overview": overview(organization)})
