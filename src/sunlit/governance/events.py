"""Governance's event types on the log: votes and ballots (Civil Code art. 278), owner-side
controls, proposals (金点子) and interim meeting requests, meetings (议事会) and public comment.

Registered from ``GovernanceConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import ListOf, MapOf, Obj, register_event

# --- governance (Civil Code art. 278 votes) ------------------------------------------------------
# Public: the matter, its window, the SHA-256 of its text, of the frozen electorate and of the
# published ballot list, and every figure of the result. Each ballot is a commitment
# SHA-256(RFC 8785 {vote, unit, choice, nonce}) whose nonce only the unit's owners hold (the
# receipt); who cast it goes in only as a commitment. See docs/governance.md.

register_event(
    "governance.vote.announced", label=gettext_noop("表决公告"), subject="governance.vote",
    public={"title": "masked_text", "matter": "enum", "scope": "enum", "opens_at": "datetime",
            "closes_at": "datetime", "notice_days": "number", "text_sha256": "hash",
            "documents": "hashes"},
)
register_event(
    "governance.vote.opened", label=gettext_noop("开始投票"), subject="governance.vote",
    public={"title": "masked_text", "electorate_sha256": "hash", "units": "count",
            "area": "area", "owners": "count"},
)
register_event(
    "governance.ballot.cast", label=gettext_noop("投票（承诺值）"), subject="governance.ballot",
    # entered ballots: who entered (a staff member by name, a committee member as “业委会委员”)
    # and who confirmed (always a committee member, by role); owners' names only as commitments
    public={"vote": "id", "ballot": "ref", "channel": "enum", "commitment": "hash",
            "entered_by": "staff_name?", "confirmed_by": "label?", "accepted_by_owner": "flag?"},
    private={"voter_name": "text?", "entered_by_name": "text?", "confirmer_name": "text?"},
)
# Entered (paper/proxy) ballots: the entry itself, with the SHA-256 of the scan and of the
# authorisation, the time the ballot was received and who entered it; never the choice.
register_event(
    "governance.ballot.entered", label=gettext_noop("录入纸质/委托表决票"),
    subject="governance.ballot",
    public={"vote": "id", "ballot": "ref", "channel": "enum", "received_at": "datetime",
            "scan_sha256": "hash", "authorisation_sha256": "hash?", "entered_by": "staff_name"},
    private={"voter_name": "text?", "proxy_name": "text?", "entered_by_name": "text?"},
)
register_event(
    "governance.ballot.held", label=gettext_noop("录入的表决票与业主线上投票冲突，待业主确认"),
    subject="governance.ballot",
    public={"vote": "id", "ballot": "ref", "channel": "enum", "online_ballot": "ref",
            "confirmed_by": "label"},
    private={"confirmer_name": "text?"},
)
register_event(
    "governance.ballot.rejected", label=gettext_noop("录入的表决票未计入"),
    subject="governance.ballot",
    # by: “业委会委员” (a review that found the entry wrong) or “业主” (the owner kept his
    # online ballot); the reason is masked like the board's texts
    public={"vote": "id", "ballot": "ref", "channel": "enum", "by": "label",
            "reason": "masked_text"},
    private={"by_name": "text?"},
)
register_event(
    "governance.vote.closed", label=gettext_noop("投票截止"), subject="governance.vote",
    public={"title": "masked_text", "ballots": "count", "ballots_sha256": "hash"},
)
register_event(
    "governance.vote.published", label=gettext_noop("公布表决结果"), subject="governance.vote",
    public={"title": "masked_text", "matter": "enum", "rule": "code", "passed": "flag",
            "participation_met": "flag", "approval_met": "flag",
            "total_area": "area", "total_owners": "count",
            "participating_area": "area", "participating_owners": "count",
            "yes_area": "area", "yes_owners": "count", "no_area": "area", "no_owners": "count",
            "abstain_area": "area", "abstain_owners": "count", "mixed_owners": "count",
            "ballots": "count", "electorate_sha256": "hash", "ballots_sha256": "hash"},
)
register_event(
    "governance.vote.effective", label=gettext_noop("表决事项生效"), subject="governance.vote",
    public={"title": "masked_text"},
)
register_event(
    "governance.vote.cancelled", label=gettext_noop("撤销表决"), subject="governance.vote",
    public={"title": "masked_text", "status_from": "enum", "reason": "masked_text"},
)
register_event(
    "governance.vote.extended", label=gettext_noop("延长投票期"), subject="governance.vote",
    public={"title": "masked_text", "closes_at_from": "datetime", "closes_at": "datetime"},
)

# --- governance: owner-side controls (governance/controls/) -------------------------------------
# Every change to a control that protects owners from the company: who proposed it (a side; a
# company employee by name), who confirmed it (the committee, by role; the member's name only
# as a commitment), what it changes (the control's own parameters) and the reason (masked).

# What a change of an owners' control holds: the kind of control, a masked summary, its
# parameters (settings, ids, a masked reason; a witness's name, key and URL are public), and who
# acted: a company employee by name, a committee member by side only (his name committed).
CONTROL_PARAMS = Obj({
    "vote?": "id", "witness?": "id", "reason?": "masked_text", "closes_at?": "setting",
    "require_cosign?": "flag", "dual_approval_above?": "setting",
    "receipt_required_above?": "setting", "support_threshold?": "number",
    "answer_days?": "number", "convene_days?": "number", "interim_counts_area?": "flag",
    "name?": "masked_text", "vkey?": "public_key", "url?": "masked_text",
})
CONTROL_ACTOR = Obj({"side": "enum", "name?": "staff_name"})
CONTROL_FACTS = {"change": "id", "kind": "code", "summary": "masked_text",
                 "params": CONTROL_PARAMS, "subject": "masked_text?"}
register_event(
    "governance.control.proposed", label=gettext_noop("提请业委会确认管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "weakens": "flag", "proposed_by": CONTROL_ACTOR,
            "reason": "masked_text"},
)
register_event(
    "governance.control.applied", label=gettext_noop("管控变更生效"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "direct": "flag", "weakens": "flag", "proposed_by": CONTROL_ACTOR,
            "confirmed_by": CONTROL_ACTOR, "reason": "masked_text?"},
    private={"confirmer_name": "text?"},
)
register_event(
    "governance.control.rejected", label=gettext_noop("业委会未同意管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "by": CONTROL_ACTOR, "reason": "masked_text"},
    private={"by_name": "text?"},
)
register_event(
    "governance.control.withdrawn", label=gettext_noop("撤回管控变更"),
    subject="governance.controlchange",
    public={**CONTROL_FACTS, "by": CONTROL_ACTOR},
)

# --- governance: proposals (金点子) and interim owners' meeting requests -----------------------------
# Public: the title, kind, category, the author as “X栋业主” (his name only as a commitment), the
# counts at the threshold, the deadline, the answer's SHA-256 with the answerer's role (his name
# only as a commitment: committee members are owners), what it was turned into, and that an
# answer became overdue.

register_event(
    "governance.proposal.submitted", label=gettext_noop("提出金点子"), subject="governance.proposal",
    public={"kind": "enum", "title": "masked_text", "category": "enum", "author": "owner_label",
            "threshold": "count?", "photos": "hashes?"},
    private={"author_name": "text?"},
)
register_event(
    "governance.proposal.threshold_reached", label=gettext_noop("金点子达到答复门槛"),
    subject="governance.proposal",
    public={"title": "masked_text", "supporters": "count", "threshold": "count",
            "answer_due": "datetime"},
)
register_event(
    "governance.interim.reached", label=gettext_noop("临时业主大会提议达到法定人数"),
    subject="governance.proposal",
    public={"title": "masked_text", "signed_owners": "count", "total_owners": "count",
            "signed_area": "area", "total_area": "area", "rule": "code", "convene_due": "datetime"},
)
register_event(
    "governance.proposal.overdue", label=gettext_noop("金点子逾期未答复"), subject="governance.proposal",
    public={"kind": "enum", "title": "masked_text", "answer_due": "datetime"},
)
register_event(
    "governance.proposal.answered", label=gettext_noop("答复金点子"), subject="governance.proposal",
    public={"kind": "enum", "title": "masked_text", "decision": "enum", "answer_sha256": "hash",
            "answerer_role": "label", "late_days": "number", "meeting_on": "date?"},
    private={"answerer": "text"},
)
register_event(
    "governance.proposal.converted", label=gettext_noop("金点子转为表决或工单"),
    subject="governance.proposal",
    public={"title": "masked_text", "target": "enum", "vote": "id?", "ticket": "ref?"},
)
register_event(
    "governance.proposal.withdrawn", label=gettext_noop("撤回金点子"), subject="governance.proposal",
    public={"kind": "enum", "title": "masked_text"},
)
register_event(
    "governance.proposal.closed", label=gettext_noop("金点子办结"), subject="governance.proposal",
    public={"kind": "enum", "title": "masked_text", "note": "masked_text"},
)
register_event(
    "governance.policy.changed", label=gettext_noop("变更议事规则设置"),
    subject="governance.governancepolicy",
    public={"support_threshold": "count", "answer_days": "number", "convene_days": "number",
            "interim_counts_area": "flag", "changes": MapOf("enum", ListOf("setting?"))},
)

# --- governance: meetings (议事会) and public comment (公示/征求意见) -------------------------------
# Public: the agenda's and the minutes' SHA-256, decisions with their links, the names of the
# staff who attended (a public responsibility), committee members (owners) and owners as counts,
# the committee members' names only as a commitment.
# A comment is its text's SHA-256 with the masked author (“3号楼业主”) and a commitment to who
# wrote it; answers are public with the answerer's role, and his name when he is staff (a
# committee member's name only as a commitment). See
# docs/meetings-and-comment.md.

register_event(
    "governance.meeting.announced", label=gettext_noop("会议通知"), subject="governance.meeting",
    public={"title": "masked_text", "kind": "enum", "organiser": "enum", "starts_at": "datetime",
            "place": "masked_text", "online": "flag", "agenda": "masked_texts",
            "agenda_sha256": "hash", "notice_days": "number"},
)
register_event(
    "governance.meeting.held", label=gettext_noop("会议召开"), subject="governance.meeting",
    public={"title": "masked_text", "held_at": "datetime", "signed_in": "count"},
)
register_event(
    "governance.meeting.minutes", label=gettext_noop("公布会议纪要"), subject="governance.meeting",
    public={"title": "masked_text", "minutes_sha256": "hash", "document_sha256": "hash?",
            "decisions": ListOf(Obj(position="number", text="masked_text", votes=ListOf("id"),
                                    tickets=ListOf("ref"), entries=ListOf("ref"))),
            "committee_attended": "count", "staff": "staff_names",
            "owners_registered": "count", "owners_attended": "count", "attended": "count"},
    private={"committee": "text"},
)
register_event(
    "governance.meeting.cancelled", label=gettext_noop("取消会议"), subject="governance.meeting",
    public={"title": "masked_text", "reason": "masked_text"},
)
register_event(
    "governance.consultation.published", label=gettext_noop("发布公示/征求意见"),
    subject="governance.consultation",
    public={"title": "masked_text", "kind": "enum", "topic": "enum", "starts_at": "datetime",
            "ends_at": "datetime", "text_sha256": "hash", "documents": "hashes"},
)
register_event(
    "governance.consultation.commented", label=gettext_noop("业主意见"),
    subject="governance.comment",
    public={"consultation": "id", "comment": "id", "author": "owner_label", "text_sha256": "hash"},
    private={"author_name": "text"},
)
register_event(
    "governance.consultation.answered", label=gettext_noop("答复业主意见"),
    subject="governance.answer",
    public={"consultation": "id", "comment": "id", "answer": "masked_text",
            "answerer": "staff_name?", "answerer_role": "label"},
    private={"answerer_name": "text?"},
)
register_event(
    "governance.consultation.closed", label=gettext_noop("公示/征求意见结束"),
    subject="governance.consultation",
    public={"title": "masked_text", "comments": "count", "answered": "count",
            "summary": "masked_text", "summary_sha256": "hash", "vote": "id?"},
)
