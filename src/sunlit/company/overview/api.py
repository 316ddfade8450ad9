"""The company view API (公司总览): the same figures as the page, for the company's
administrators (403 for anyone else)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema

from sunlit.api.errors import ERRORS
from sunlit.company.access import require_company_admin
from sunlit.company.overview.selectors import overview

router = Router(tags=["company"])



class CommunityFiguresOut(Schema):
    community_id: int
    name: str
    code: str
    units: int = Field(..., description="房屋（套）")
    area: Decimal = Field(..., description="建筑面积（㎡）")
    open_tickets: int = Field(..., description="在办工单（件）")
    overdue_tickets: int = Field(..., description="已超时工单（件）")
    sla_rate: Decimal | None = Field(None, description="近30天办结工单的时限达标率（%）")
    sla_judged: int = Field(..., description="其样本：近30天办结且可判定的工单（件）")
    rating: Decimal | None = Field(None, description="近90天工单评分均值（1–5 星）")
    ratings: int = Field(..., description="其样本：评价数")
    billed: Decimal = Field(..., description="本年账期已出账应收（元）")
    collected: Decimal = Field(..., description="其中已收（元）")
    collection_rate: Decimal | None = Field(None, description="收缴率（%）")
    arrears: Decimal = Field(..., description="逾期欠费（元）")
    overdue_units: int = Field(..., description="逾期欠费户（户）")
    fund: Decimal = Field(..., description="维修资金余额（元，科目 2244）")
    board_week: dt.date | None = Field(None, description="最近发布的曝光台（周一日期）")
    board_current: bool = Field(..., description="上周曝光台已发布")
    checkpoint_at: dt.datetime | None = None
    checkpoint_size: int = Field(..., description="最新检查点的条目数")
    cosignatures: int = Field(..., description="最新检查点上的见证人联署数")
    witnesses: int = Field(..., description="有效见证人数")
    onboarding_open: bool = Field(..., description="建档中（尚未开放业主激活）")


class OverviewOut(Schema):
    organization: str
    year: int
    as_of: dt.date
    communities: list[CommunityFiguresOut]


def _figures(row) -> dict:
    c = row.community
    return {
        "community_id": c.pk, "name": c.name, "code": c.code, "units": row.units,
        "area": row.area, "open_tickets": row.open_tickets,
        "overdue_tickets": row.overdue_tickets, "sla_rate": row.sla_rate,
        "sla_judged": row.sla_judged, "rating": row.rating, "ratings": row.ratings,
        "billed": row.billed, "collected": row.collected,
        "collection_rate": row.collection_rate, "arrears": row.arrears,
        "overdue_units": row.overdue_units, "fund": row.fund, "board_week": row.board_week,
        "board_current": row.board_current, "checkpoint_at": row.checkpoint_at,
        "checkpoint_size": row.checkpoint_size, "cosignatures": row.cosignatures,
        "witnesses": row.witnesses, "onboarding_open": row.onboarding_open,
    }


@router.get("/company/overview", response={200: OverviewOut, **ERRORS}, summary="公司总览")
def company_overview(request):
    view = overview(require_company_admin(request.auth))
    return {"organization": view.organization.name, "year": view.year, "as_of": view.as_of,
            "communities": [_figures(row) for row in view.rows]}
