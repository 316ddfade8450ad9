"""Board pages: the history with trends, one week (phone-first), staff review, CSV, poster, JSON,
and the community's disclosure page (信息公开)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.board import access, selectors, services
from sunlit.board import disclosure as disclosure_data
from sunlit.board.choices import Section
from sunlit.board.generation import last_complete_week
from sunlit.core import exports
from sunlit.core.permissions import can, require
from sunlit.core.tenancy import page_community


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


@login_required
def board_list(request):
    """往期曝光台: every week of the community, with the trend charts."""
    community = page_community(request, "board.view")
    boards = list(access.visible_boards(request.user).in_community(community)
                  .order_by("-week_start").only("id", "week_start", "status", "published_at",
                                                "content"))
    trend = [{"week": b.week_start.strftime("%m-%d"), **{k: b.content.get("stats", {}).get(k) for k in
             ("count", "carried", "response_median", "resolution_median", "sla_rate", "satisfaction")}}
             for b in reversed(boards) if b.is_published]
    return render(request, "board/board_list.html", {
        "community": community, "boards": boards, "trend_json": json.dumps(trend, ensure_ascii=False),
        "can_prepare": can(request.user, "board.prepare", community=community),
        "can_settings": can(request.user, "board.settings", community=community),
        "last_week": last_complete_week(timezone.now()),
        "require_cosign": services.settings_for(community).require_cosign,
        **_cosign_controls(request, community),
    })


def _cosign_controls(request, community) -> dict:
    from sunlit.core import sides
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    return {"is_committee": sides.is_committee_member(request.user, community),
            "control_changes": controls.history(community, ControlKind.BOARD_COSIGN)}


@login_required
@require_POST
def generate(request):
    community = page_community(request, "board.prepare")
    try:
        board = services.generate_board(community, request.POST.get("week", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("board:board_list")
    messages.success(request, _("已生成曝光台草稿") if not board.is_published else _("该周曝光台已发布"))
    return redirect("board:review" if not board.is_published else "board:board", board.pk)


@login_required
@require_POST
def settings_view(request):
    """The co-signature switch: on at once (committee or company); off only by the committee —
    the company's request goes to the committee (``governance.controls``)."""
    from sunlit.governance.controls.models import ControlKind
    from sunlit.governance.controls.views import request_from_page

    community = page_community(request, "board.settings")
    try:
        request_from_page(request, community, ControlKind.BOARD_COSIGN,
                          {"require_cosign": request.POST.get("require_cosign") == "1"},
                          reason=request.POST.get("reason", ""), done=_("设置已保存"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("board:board_list")


@login_required
def board_detail(request, board_id: int):
    board = access.get_board_for(request.user, board_id)
    contests = {}
    for contest in board.contests.select_related("raised_by", "answered_by").order_by("raised_at", "id"):
        contests.setdefault(contest.item_id, []).append(contest)
    model = selectors.view_model(board)
    for item in model["items"]:
        item["contests"] = contests.get(item.get("item_id"), [])
    return render(request, "board/board.html", {
        "board": board, **model,
        "can_prepare": can(request.user, "board.prepare", board),
        "can_contest": board.is_published and can(request.user, "board.contest", board),
        "can_answer": can(request.user, "board.answer", board),
    })


@login_required
def review(request, board_id: int):
    """草稿审核: staff add measures and 不属实 marks; the committee co-signs; the manager publishes."""
    board = access.get_board_for(request.user, board_id)
    if board.is_published:
        return redirect("board:board", board.pk)
    require(request.user, "board.view_drafts", board)
    return render(request, "board/review.html", {
        "board": board, **selectors.view_model(board),
        "can_prepare": can(request.user, "board.prepare", board),
        "can_publish": can(request.user, "board.publish", board),
        "can_cosign": can(request.user, "board.cosign", board),
        "require_cosign": services.settings_for(board.community).require_cosign,
    })


@login_required
@require_POST
def board_action(request, board_id: int, action: str):
    board = access.get_board_for(request.user, board_id)
    verbs = {
        "publish": (lambda: services.publish_board(board, actor=request.user), _("曝光台已发布")),
        "cosign": (lambda: services.cosign_board(board, actor=request.user,
                                                 note=request.POST.get("note", "")), _("已会签")),
        "return": (lambda: services.return_board(board, actor=request.user,
                                                 note=request.POST.get("note", "")),
                   _("已退回，并通知了准备曝光台的工作人员")),
        "regenerate": (lambda: services.generate_board(board.community, board.week_start,
                                                       actor=request.user), _("已重新生成")),
    }
    if action not in verbs:
        raise Http404
    run, done = verbs[action]
    try:
        run()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("board:review", board.pk)
    messages.success(request, done)
    board.refresh_from_db()
    return redirect("board:board" if board.is_published else "board:review", board.pk)


@login_required
@require_POST
def item_action(request, item_id: int, action: str):
    item = access.get_item_for(request.user, item_id)
    try:
        if action == "measures":
            services.add_measure(item, request.POST.get("measures", ""), actor=request.user)
        elif action == "untrue":
            services.mark_untrue(item, request.POST.get("reason", ""), actor=request.user)
        elif action == "clear_untrue":
            services.clear_untrue(item, actor=request.user)
        elif action == "contest":
            services.contest_item(item, request.POST.get("text", ""), actor=request.user)
            messages.success(request, _("质疑已提交"))
            return redirect("board:board", item.board_id)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        if item.board.is_published:
            return redirect("board:board", item.board_id)
    return redirect(f"{redirect('board:review', item.board_id).url}#item-{item.pk}")


@login_required
@require_POST
def answer(request, contest_id: int):
    contest = access.get_contest_for(request.user, contest_id)
    try:
        services.answer_contest(contest, request.POST.get("answer", ""), actor=request.user)
        messages.success(request, _("已答复"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("board:board", contest.board_id)


CSV_COLUMNS = (("number", "工单号"), ("section_label", "分组"), ("kind", "类型"), ("category", "类别"),
               ("summary", "问题摘要"), ("location", "位置"), ("raised_at", "提交时间"),
               ("status_label", "处理状态"), ("reason", "无法解决原因"), ("measures", "采取的措施"),
               ("result", "处理结果"), ("department", "责任部门"), ("staff_name", "责任人"),
               ("staff_job", "工号"), ("promises_text", "服务时限"), ("rating", "满意度"),
               ("untrue_text", "经核实不属实"), ("repeated_text", "重复问题"))


def _row(item: dict) -> dict:
    staff = item.get("staff") or {}
    marks = {True: "✓", False: "✗", None: "…"}
    return {**item, "section_label": str(Section(item["section"]).label),
            "staff_name": staff.get("name", ""), "staff_job": staff.get("job_number", ""),
            "promises_text": " ".join(f"{p['label']}{marks[p['met']]}" for p in item["promises"]),
            "rating": item.get("rating") or "",
            "untrue_text": item.get("untrue_reason", "") if item.get("untrue") else "",
            "repeated_text": "是" if item.get("repeated") else ""}


@login_required
def board_csv(request, board_id: int):
    board = access.get_board_for(request.user, board_id)
    rows = [[label for _key, label in CSV_COLUMNS]]
    for item in selectors.view_model(board)["items"]:
        row = _row(item)
        rows.append([row.get(key, "") for key, _label in CSV_COLUMNS])
    # owners' text (titles, locations) through the project's writer: never a live formula
    return exports.csv_response(f"board-{board.community.code}-{board.week_start}.csv", rows)


@login_required
def content_json(request, board_id: int):
    """The exact canonical bytes whose SHA-256 is on the log (published boards only)."""
    board = access.get_board_for(request.user, board_id)
    if not board.is_published:
        raise Http404
    response = HttpResponse(services.content_bytes(board), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="board-{board.community.code}-{board.week_start}.json"')
    return response


@login_required
def poster(request, board_id: int):
    from sunlit.board import poster as poster_pdf

    board = access.get_board_for(request.user, board_id)
    if not board.is_published:
        raise Http404
    url = request.build_absolute_uri(f"/board/{board.pk}/")
    response = HttpResponse(poster_pdf.render_poster(board, url=url), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="board-{board.community.code}-{board.week_start}.pdf"')
    return response


@login_required
def disclosure(request):
    """信息公开: what the company must make public, each with its date and log reference."""
    community = page_community(request, "board.view")
    return render(request, "board/disclosure.html",
                  {"community": community, **disclosure_data.collect(community)})
