"""Benchmarks and scorecard API (对标、考核): the company's (its administrators) and a
community's anonymised view (``benchmarks.view``), from the nightly snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.scope import community_for
from sunlit.company.access import require_company_admin
from sunlit.company.benchmarks import selectors, services

router = Router(tags=["company"])


class KpiValueOut(Schema):
    key: str
    label: str
    unit: str
    value: Decimal | None
    percentile: int | None = Field(None, description="好于本公司其他小区的比例（0–100）")


class BenchmarkRowOut(Schema):
    community_id: int
    name: str
    units: int
    kpis: list[KpiValueOut]


class BenchmarksOut(Schema):
    day: dt.date | None = Field(None, description="快照日期")
    communities: list[BenchmarkRowOut]


@router.get("/company/benchmarks", response={200: BenchmarksOut, **ERRORS},
            summary="小区对标（最新快照）")
def company_benchmarks(request):
    day, rows = selectors.benchmarks(require_company_admin(request.auth))
    return {"day": day, "communities": [{
        "community_id": r.snapshot.community_id, "name": r.snapshot.community.name,
        "units": r.snapshot.units,
        "kpis": [{"key": k.key, "label": str(k.label), "unit": str(k.unit), "value": v,
                  "percentile": p} for k, v, p in r.cells]} for r in rows]}


class SnapshotOut(Schema):
    communities: int


@router.post("/company/snapshots", response={201: SnapshotOut, **ERRORS},
             summary="生成今日快照")
def snapshot(request):
    return Status(201, {"communities": services.snapshot_now(request.auth)})


class MonthQuery(Schema):
    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")


class ScoreOut(Schema):
    key: str
    value: Decimal | None
    score: Decimal | None


class ScoreRowOut(Schema):
    community_id: int
    name: str
    total: Decimal | None
    kpis: list[ScoreOut]


class AssessmentOut(Schema):
    month: str
    day: dt.date | None = Field(None, description="评分所用快照（该月最后一次）")
    weights: dict[str, int]
    targets: dict[str, Decimal]
    communities: list[ScoreRowOut]


@router.get("/company/assessment", response={200: AssessmentOut, **ERRORS},
            summary="月度考核")
def assessment(request, query: Query[MonthQuery]):
    organization = require_company_admin(request.auth)
    month = dt.datetime.strptime(query.month, "%Y-%m").date()
    day, rows = selectors.month_scores(organization, month)
    weights, targets = selectors.scorecard_of(organization)
    return {"month": query.month, "day": day, "weights": weights, "targets": targets,
            "communities": [{
                "community_id": r.snapshot.community_id, "name": r.snapshot.community.name,
                "total": r.total,
                "kpis": [{"key": k.key, "value": v, "score": s} for k, v, s in r.cells]}
                for r in rows]}


class ScorecardIn(Schema):
    weights: dict[str, int]
    targets: dict[str, Decimal]


@router.put("/company/scorecard", response={200: ScorecardIn, **ERRORS}, summary="考核方案")
def scorecard(request, payload: ScorecardIn):
    card = services.set_scorecard(request.auth, weights=payload.weights, targets=payload.targets)
    return {"weights": card.weights, "targets": card.targets}


class DistributionOut(Schema):
    key: str
    label: str
    unit: str
    own: Decimal | None
    peers: int
    low: Decimal | None
    q1: Decimal | None
    median: Decimal | None
    q3: Decimal | None
    high: Decimal | None
    percentile: int | None


class CommunityBenchmarkOut(Schema):
    day: dt.date | None
    communities: int = Field(..., description="本公司有快照的小区数")
    distributions: list[DistributionOut] | None = Field(
        None, description="少于 5 个小区时不提供（避免识别其他小区）")


@router.get("/communities/{community_id}/benchmark",
            response={200: CommunityBenchmarkOut, **ERRORS}, summary="本小区对标（匿名分布）")
def community_benchmark(request, community_id: int):
    community = community_for(request, community_id, "benchmarks.view")
    day, distributions, count = selectors.community_view(community)
    return {"day": day, "communities": count, "distributions": None if distributions is None
            else [{"key": d.kpi.key, "label": str(d.kpi.label), "unit": str(d.kpi.unit),
                   "own": d.own, "peers": d.peers, "low": d.low, "q1": d.q1,
                   "median": d.median, "q3": d.q3, "high": d.high,
                   "percentile": d.percentile} for d in distributions]}
