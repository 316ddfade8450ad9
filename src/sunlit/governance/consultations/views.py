"""Pages of public comment (公示/征求意见): phone first for owners (list, period, comment form);
staff pages for drafts, documents, answers and the close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import uploads
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.permissions import can
from sunlit.core.tenancy import page_community
from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.access import get_comment_for, get_consultation_for
from sunlit.governance.consultations.forms import ConsultationForm, DocumentForm, TextForm
from sunlit.governance.consultations.models import Comment, Consultation, ConsultationStatus
from sunlit.governance.votes.models import Vote
from sunlit.web.rendering import paginate, render_list

# --- public comment ------------------------------------------------------------------------------

@login_required
def consultation_list(request):
    community = page_community(request, "consultations.view")
    manages = can(request.user, "consultations.manage", community=community)
    items = Consultation.objects.in_community(community)
    if not manages:
        items = items.public()
    return render_list(request, "governance/consultations/consultation_list.html", {
        "can_manage": manages, "now": timezone.now(),
        **paginate(request, items.order_by("-starts_at", "-pk"))})


@login_required
def consultation_detail(request, consultation_id: int):
    item = get_consultation_for(request.user, consultation_id)
    now = timezone.now()
    manages = can(request.user, "consultations.manage", item)
    comments = (Comment.objects.filter(consultation=item).prefetch_related("answers")
                .order_by("created_at", "pk"))
    return render(request, "governance/consultations/consultation.html", {
        "item": item, "now": now, "can_manage": manages,
        "can_answer": can(request.user, "consultations.answer", item)
        and item.status != ConsultationStatus.DRAFT,
        "can_comment": item.accepts_comments(now)
        and can(request.user, "consultations.comment", item),
        "documents": item.documents.select_related("upload"),
        "comments": comments, "comment_form": TextForm(), "document_form": DocumentForm(),
        "votes": Vote.objects.in_community(item.community).order_by("-pk")[:30]
        if manages else [],
        "ended": item.status == ConsultationStatus.PUBLISHED and now >= item.ends_at,
    })


@login_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request, consultation_id: int | None = None):
    if consultation_id is None:
        community, item, initial = page_community(request, "consultations.manage"), None, {}
    else:
        item = get_consultation_for(request.user, consultation_id, for_write=True)
        community = item.community
        initial = {name: getattr(item, name) for name in ("kind", "topic", "title",
                                                          "description")}
        initial["starts_at"] = timezone.localtime(item.starts_at)
        initial["ends_at"] = timezone.localtime(item.ends_at)
    form = ConsultationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                item = consultations.create_consultation(community, actor=request.user,
                                                         **form.cleaned_data)
            else:
                item = consultations.update_consultation(item, actor=request.user,
                                                         **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("草稿已保存，可上传材料后发布"))
            return redirect("governance:consultation", consultation_id=item.pk)
    return render(request, "governance/consultations/consultation_form.html", {
        "form": form, "item": item, "min_days": consultations.min_days()})


@login_required
@require_POST
def consultation_action(request, consultation_id: int, action: str):
    item = get_consultation_for(request.user, consultation_id, for_write=action != "comment")
    try:
        if action == "publish":
            consultations.publish_consultation(item, actor=request.user)
            done = _("已发布，全体业主已收到通知")
        elif action == "document":
            form = DocumentForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError({"file": [_("请填写材料名称并选择文件")]})
            upload = uploads.store_file(form.cleaned_data["file"], community=item.community,
                                        actor=request.user)
            consultations.add_document(item, upload, actor=request.user,
                                       title=form.cleaned_data["title"])
            done = _("材料已上传")
        elif action == "close":
            vote = None
            if request.POST.get("vote"):
                vote = Vote.objects.in_community(item.community).filter(
                    pk=request.POST["vote"] if request.POST["vote"].isdigit() else 0).first()
                if vote is None:
                    raise ValidationError({"vote": [_("只能关联本小区的表决")]})
            consultations.close_consultation(item, actor=request.user,
                                             summary=request.POST.get("summary", ""), vote=vote)
            done = _("已结束并公布结果说明")
        elif action == "comment":
            consultations.comment(item, actor=request.user, text=request.POST.get("text", ""))
            done = _("意见已提交，将以“楼栋业主”的名义公开显示")
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, done)
    return redirect("governance:consultation", consultation_id=item.pk)


@login_required
@require_POST
def comment_answer(request, comment_id: int):
    item = get_comment_for(request.user, comment_id)
    try:
        consultations.answer(item, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("答复已公开"))
    return redirect(reverse("governance:consultation", args=[item.consultation_id])
                    + f"#comment-{item.pk}")


@login_required
def consultation_document(request, consultation_id: int, document_id: int):
    item = get_consultation_for(request.user, consultation_id)
    document = get_object_or_404(item.documents.select_related("upload"), pk=document_id)
    return uploads.upload_response(document.upload, thumbnail=request.GET.get("thumb") == "1")
