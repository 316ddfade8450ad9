"""Roster import (upload → preview → all-or-nothing commit) and export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from sunlit.core import exports, sheets
from sunlit.core.masking import mask_id_number, mask_mobile, mask_name
from sunlit.core.permissions import can
from sunlit.core.tenancy import current_community, page_community
from sunlit.registry import exporting, importing, services
from sunlit.registry.choices import DeliveryStatus, ImportStatus, ResidentKind, UnitUsage
from sunlit.registry.importing import unit_label
from sunlit.registry.models import RosterImport

PREVIEW_ROWS = 50
RECENT_IMPORTS = 10


class UploadLimitHandler(FileUploadHandler):
    """Stops receiving an uploaded file once it passes ``SUNLIT_MAX_UPLOAD_BYTES``.

    The rest of the body is read and dropped, never stored, so a 50 MB file costs no disk.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = sheets.max_upload_bytes()
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None



def _get_import_for(user, import_id: int) -> RosterImport:
    """An import of one of the user's communities where he may import; 404 otherwise."""
    return get_object_or_404(
        RosterImport.objects.visible_to(user, "roster.import").select_related("uploaded_by"),
        pk=import_id,
    )


@csrf_exempt
@login_required
def upload(request):
    # The size limit must be in place before anything (CSRF included) parses the body.
    limiter = UploadLimitHandler(request)
    request.upload_handlers.insert(0, limiter)
    return _upload(request, limiter)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request, limiter: UploadLimitHandler):
    community = page_community(request, "roster.import")
    error = None
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if limiter.too_large:
            error = sheets.size_error().messages[0]
        elif upload_file is None:
            error = _("请选择要上传的 .xlsx 或 .csv 文件")
        elif upload_file.size > sheets.max_upload_bytes():
            error = sheets.size_error().messages[0]
        else:
            try:
                roster_import = services.stage_roster_import(
                    community, actor=request.user, filename=upload_file.name,
                    data=upload_file.read())
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("registry:import_preview", import_id=roster_import.pk)
    recent = (RosterImport.objects.in_community(community).select_related("uploaded_by")
              .defer("payload")[:RECENT_IMPORTS])
    return render(request, "registry/imports/upload.html", {
        "error": error, "recent": recent,
        "max_mb": f"{sheets.max_upload_bytes() / (1024 * 1024):g}",
        "can_export": can(request.user, "roster.export", community=community),
        "tables": importing.TABLES,
    }, status=400 if error else 200)


def _preview_rows(roster_import: RosterImport) -> dict[str, list[dict]]:
    """The first rows of each table, with personal data masked."""
    if not roster_import.payload:
        return {}
    parsed = importing.ParsedRoster.from_payload(json.loads(roster_import.payload))
    units = [{
        "row": u.row, "unit": unit_label(u.key), "floor": u.floor, "area": u.area,
        "usage": UnitUsage(u.usage).label, "status": DeliveryStatus(u.delivery_status).label,
        "owner": mask_name(u.owner.name) if u.owner else "",
        "mobile": mask_mobile(u.owner.mobile) if u.owner else "",
        "id_number": mask_id_number(u.owner.id_number) if u.owner else "",
        "share": u.share, "start": u.start,
    } for u in parsed.units[:PREVIEW_ROWS]]
    residents = [{
        "row": r.row, "unit": unit_label(r.key), "name": mask_name(r.person.name),
        "mobile": mask_mobile(r.person.mobile), "id_number": mask_id_number(r.person.id_number),
        "kind": ResidentKind(r.kind).label, "relation": r.relation, "moved_in": r.moved_in,
    } for r in parsed.residents[:PREVIEW_ROWS]]
    vehicles = [{
        "row": v.row, "plate": v.plate, "name": mask_name(v.person.name),
        "mobile": mask_mobile(v.person.mobile), "unit": unit_label(v.key) if v.key else "",
        "brand": v.brand,
    } for v in parsed.vehicles[:PREVIEW_ROWS]]
    return {"units": units, "residents": residents, "vehicles": vehicles,
            "totals": {"units": len(parsed.units), "residents": len(parsed.residents),
                       "vehicles": len(parsed.vehicles)}}


SUMMARY_LABELS = (("buildings", "楼栋"), ("units", "房屋"), ("persons", "人员"),
                  ("ownerships", "产权登记"), ("residents", "住户"), ("vehicles", "车辆"))


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, import_id: int):
    roster_import = _get_import_for(request.user, import_id)
    community = current_community(request)
    row_errors = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "commit":
                services.commit_roster_import(roster_import, actor=request.user,
                                              community=community)
                messages.success(request, _("导入完成"))
                return redirect("registry:import_preview", import_id=roster_import.pk)
            if action == "discard":
                services.discard_roster_import(roster_import, actor=request.user,
                                               community=community)
                messages.info(request, _("已放弃该导入，档案未作任何修改"))
                return redirect("registry:import_upload")
            messages.error(request, _("未知操作"))
        except services.RosterImportError as exc:
            messages.error(request, "；".join(exc.messages))
            row_errors = exc.rows
            status = 409
        roster_import.refresh_from_db()
    summary = roster_import.summary or {}
    return render(request, "registry/imports/preview.html", {
        "roster_import": roster_import,
        "is_preview": roster_import.status == ImportStatus.PREVIEW,
        "errors": row_errors or roster_import.errors,
        "summary_rows": [(label, summary.get(kind, {})) for kind, label in SUMMARY_LABELS],
        "sheet_rows": summary.get("rows", {}),
        "rows": _preview_rows(roster_import),
        "preview_limit": PREVIEW_ROWS,
    }, status=status)


@login_required
@require_GET
def export(request):
    community = page_community(request, "roster.export")
    data = services.export_roster(community, actor=request.user)
    response = exports.xlsx_response(exporting.export_filename(community), data)
    response["Cache-Control"] = "no-store"
    return response
