"""The company API under /api/v1/: one router per domain package, gathered here and mounted
once by ``sunlit.api`` — the company view, onboarding and staff (for the company's
administrators: an active ``Employee`` with ``is_admin``; anyone else 403, another company's
community or employee 404) and the duty rosters of a community (``rosters.*`` grants)."""

from __future__ import annotations

from ninja import Router

from sunlit.company.benchmarks.api import router as benchmarks
from sunlit.company.onboarding.api import router as onboarding
from sunlit.company.overview.api import router as overview
from sunlit.company.rosters.api import router as rosters
from sunlit.company.staff.api import router as staff

router = Router()
for domain in (overview, onboarding, staff, rosters, benchmarks):
    router.add_router("", domain)
