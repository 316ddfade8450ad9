"""Reaching comment periods and comments within the user's communities (STYLE.md rule 5):
published ones for members, drafts for those who run them; another community is a 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, require
from sunlit.governance.consultations.models import Comment, Consultation, ConsultationStatus


def get_consultation_for(user, consultation_id: int, *, for_write: bool = False) -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("community", "vote"),
                                     pk=consultation_id)
    if not can(user, "consultations.view", consultation):
        raise Http404
    if consultation.status == ConsultationStatus.DRAFT and not can(
            user, "consultations.manage", consultation):
        raise Http404
    if for_write:
        require(user, "consultations.manage", consultation)
    return consultation


def get_comment_for(user, comment_id: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("consultation"), pk=comment_id)
    get_consultation_for(user, comment.consultation_id)
    return comment
