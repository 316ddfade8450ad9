"""Forms of the ticket pages. They parse and scope input; the services validate and save.

Querysets are scoped here (a category, unit or building of another community is simply not a
valid choice), so a view never looks an id up itself.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.models import Membership, Person
from sunlit.registry.models import Building, Unit
from sunlit.tickets.choices import Channel, Priority, TicketKind
from sunlit.tickets.models import Category
from sunlit.tickets.services import (
    MAX_DESCRIPTION,
    MAX_LABOR_MINUTES,
    MAX_NOTE,
    MAX_PHOTOS,
    MAX_TITLE,
)

INPUT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

HOME, COMMON = "home", "common"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine files under one name; ``core.uploads`` checks what they are."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


class MarksInvalid:
    """Gives the widgets of fields with errors Bootstrap's ``is-invalid`` (red border)."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _text(label, max_length, *, required=True, message=None, **attrs):
    errors = {"required": message or _("请填写%(label)s") % {"label": label}}
    if max_length:
        errors["max_length"] = _("最多 %(n)s 个字") % {"n": max_length}
    return forms.CharField(label=label, max_length=max_length, required=required,
                           error_messages=errors,
                           widget=forms.TextInput(attrs=INPUT | attrs))


def _textarea(label, max_length, *, required=True, message=None, rows=3, **attrs):
    errors = {"required": message or _("请填写%(label)s") % {"label": label},
              "max_length": _("最多 %(n)s 个字") % {"n": max_length}}
    return forms.CharField(label=label, max_length=max_length, required=required,
                           error_messages=errors,
                           widget=forms.Textarea(attrs=INPUT | {"rows": rows} | attrs))


class TicketForm(MarksInvalid, forms.Form):
    """报事报修: what, which category, where, when; customer service adds channel and reporter.

    ``staff=True`` (``tickets.submit_for_owner``) adds ``channel``, ``priority`` and ``pick``
    (the reporter as ``<unit id>:<person id>``, found by searching a unit); the unit of an
    in-home ticket is then the picked unit.
    """

    kind = forms.ChoiceField(label=_("类型"), choices=TicketKind.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": _("请选择类型"),
                                             "invalid_choice": _("请选择类型")})
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), empty_label=_("请选择类别"),
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("请选择类别"),
                        "invalid_choice": _("请选择本小区有效的类别")})
    title = _text(_("标题"), MAX_TITLE, placeholder=_("一句话说明，如：厨房水管漏水"))
    description = _textarea(_("问题描述"), MAX_DESCRIPTION, message=_("请描述问题"), rows=4,
                            placeholder=_("发生了什么、从什么时候开始、是否影响邻居"))
    where = forms.ChoiceField(label=_("位置"), choices=[(HOME, _("我家")), (COMMON, _("公共区域"))],
                              widget=forms.RadioSelect,
                              error_messages={"required": _("请选择位置"),
                                              "invalid_choice": _("请选择位置")})
    unit = forms.ModelChoiceField(
        label=_("房屋"), queryset=Unit.objects.none(), required=False,
        empty_label=_("请选择房屋"), widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": _("只能为本人名下或居住的房屋报事")})
    building = forms.ModelChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False,
        empty_label=_("不限楼栋"), widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": _("楼栋不属于本小区")})
    floor = forms.IntegerField(
        label=_("楼层"), required=False, min_value=-10, max_value=200,
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid": _("楼层必须是 -10 到 200 之间的整数"),
                        "min_value": _("楼层必须是 -10 到 200 之间的整数"),
                        "max_value": _("楼层必须是 -10 到 200 之间的整数")})
    location_text = _text(_("具体位置"), 100, required=False,
                          placeholder=_("如：2单元电梯厅、南门岗亭"))
    preferred_from = forms.DateTimeField(
        label=_("方便上门时间（起）"), required=False, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs=INPUT | {"type": "datetime-local"},
                                   format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("请输入有效的日期和时间")})
    preferred_to = forms.DateTimeField(
        label=_("方便上门时间（止）"), required=False, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs=INPUT | {"type": "datetime-local"},
                                   format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("请输入有效的日期和时间")})
    photos = PhotosField(label=_("照片"))
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, community, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.community, self.staff = community, staff
        self.fields["category"].queryset = (Category.objects.in_community(community).active()
                                            .order_by("kind", "sort_key", "name"))
        self.fields["building"].queryset = Building.objects.in_community(community)
        if staff:
            del self.fields["unit"]  # the unit comes with the picked reporter
            self.fields["channel"] = forms.ChoiceField(
                label=_("来源"), initial=Channel.PHONE, widget=forms.RadioSelect,
                choices=[(Channel.PHONE, _("电话")), (Channel.COUNTER, _("前台")),
                         (Channel.APP, _("本人发现（不代业主）"))],
                error_messages={"required": _("请选择来源"), "invalid_choice": _("渠道无效")})
            self.fields["priority"] = forms.ChoiceField(
                label=_("优先级"), required=False, widget=forms.Select(attrs=SELECT),
                choices=[("", _("按类别默认")), *Priority.choices],
                error_messages={"invalid_choice": _("优先级无效")})
            self.fields["pick"] = forms.CharField(
                label=_("报事人"), required=False, widget=forms.HiddenInput)
        else:
            self.fields["unit"].queryset = (Unit.objects.of_user(user)
                                            .filter(community=community)
                                            .select_related("building"))
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    # --- the customer-service reporter pick ------------------------------------------------------

    def clean_pick(self):
        value = (self.cleaned_data.get("pick") or "").strip()
        if not value:
            return None
        try:
            unit_id, person_id = (int(part) for part in value.split(":", 1))
        except ValueError:
            raise ValidationError(_("请重新选择报事人")) from None
        unit = (Unit.objects.in_community(self.community).select_related("building")
                .filter(pk=unit_id).first())
        person = Person.objects.in_community(self.community).filter(pk=person_id).first()
        if unit is None or person is None:
            raise ValidationError(_("报事人不属于本小区"))
        return unit, person

    def clean(self):
        data = super().clean()
        where = data.get("where")
        pick = data.get("pick") if self.staff else None
        if where == HOME:
            if self.staff:
                if pick:
                    data["unit"] = pick[0]
                elif not self.has_error("pick"):
                    self.add_error("pick", _("请先按房号查找并选择报事人"))
            elif data.get("unit") is None and not self.has_error("unit"):
                self.add_error("unit", _("请选择房屋"))
            data["building"], data["floor"] = None, None
        elif where == COMMON:
            data["unit"] = None
        return data

    def picked(self):
        """(unit, person) as picked (valid or not yet validated) — to show it again."""
        if not self.staff:
            return None
        if hasattr(self, "cleaned_data") and self.cleaned_data.get("pick"):
            return self.cleaned_data["pick"]
        return None

    def service_kwargs(self) -> dict:
        """The ``submit_ticket`` keyword arguments from the cleaned data (photos aside)."""
        data = self.cleaned_data
        kwargs = {
            "kind": data["kind"], "category": data["category"], "title": data["title"],
            "description": data["description"], "unit": data.get("unit"),
            "building": data.get("building"), "floor": data.get("floor"),
            "location_text": data.get("location_text") or "",
            "preferred_from": data.get("preferred_from"), "preferred_to": data.get("preferred_to"),
            "idempotency_key": data.get("idempotency_key") or "",
        }
        if self.staff:
            kwargs["channel"] = data["channel"]
            kwargs["priority"] = data.get("priority") or None
            pick = data.get("pick")
            if pick is not None and data["channel"] != Channel.APP:
                kwargs["reporter"] = pick[1]
        return kwargs


# --- the action forms of the ticket page ---------------------------------------------------------

class NoteForm(MarksInvalid, forms.Form):
    note = _textarea(_("说明"), MAX_NOTE, required=False, rows=2)


class ReasonForm(MarksInvalid, forms.Form):
    reason = _textarea(_("原因"), MAX_NOTE, message=_("请填写原因"), rows=2)


class FollowUpForm(MarksInvalid, forms.Form):
    note = _textarea(_("回访结果"), MAX_NOTE, message=_("请填写回访结果"), rows=2,
                     placeholder=_("如：业主确认已修好，满意"))


class ResolveForm(MarksInvalid, forms.Form):
    """处理完成: a note, photos of the finished work, the time spent and the materials used.

    Materials come as parallel lists (``material_name``, ``material_quantity``,
    ``material_unit``, ``material_price``), one row per material; empty rows are skipped.
    The service checks amounts and whether a price may be charged.
    """

    MATERIAL_ROWS = 3

    note = _textarea(_("处理说明"), MAX_NOTE, required=False, rows=2,
                     placeholder=_("做了什么、换了什么"))
    photos = PhotosField(label=_("完工照片"))
    labor_minutes = forms.IntegerField(
        label=_("用时(分钟)"), required=False, min_value=0, max_value=MAX_LABOR_MINUTES,
        widget=forms.NumberInput(attrs=INPUT | {"inputmode": "numeric"}),
        error_messages={"invalid": _("用时应为整数（分钟）"),
                        "min_value": _("用时不能为负数"),
                        "max_value": _("用时最多 %(limit_value)s 分钟")})

    def _typed_rows(self) -> list[tuple[str, str, str, str]]:
        getlist = getattr(self.data, "getlist", None)
        if getlist is None:
            return []
        columns = [getlist(f"material_{part}") for part in ("name", "quantity", "unit", "price")]
        width = max(map(len, columns))
        return [tuple((column[i] if i < len(column) else "").strip() for column in columns)
                for i in range(width)]

    def clean(self):
        data = super().clean()
        data["materials"] = [
            {"name": name, "quantity": quantity, "unit": unit, "unit_price": price or None}
            for name, quantity, unit, price in self._typed_rows() if name or quantity]
        return data

    def material_rows(self) -> list[dict]:
        """What was typed (kept on errors), then empty rows to fill."""
        typed = [dict(zip(("name", "quantity", "unit", "price"), row, strict=True))
                 for row in self._typed_rows() if any(row)]
        return typed + [{}] * max(self.MATERIAL_ROWS - len(typed), 1)


class QuoteForm(MarksInvalid, forms.Form):
    amount = forms.DecimalField(
        label=_("报价金额(元)"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=INPUT | {"step": "0.01", "inputmode": "decimal"}),
        error_messages={"required": _("请填写报价金额"), "invalid": _("请填写数字（最多两位小数）"),
                        "min_value": _("报价金额应大于 0"),
                        "max_decimal_places": _("最多两位小数"),
                        "max_digits": _("数值超出范围"), "max_whole_digits": _("数值超出范围")})
    note = _textarea(_("报价说明"), MAX_NOTE, required=False, rows=2,
                     placeholder=_("如：更换角阀一个，材料费 35 元、人工费 50 元"))


class DispatchForm(MarksInvalid, forms.Form):
    to = forms.ModelChoiceField(
        label=_("处理人"), queryset=Membership.objects.none(), empty_label=_("请选择处理人"),
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("请选择处理人"),
                        "invalid_choice": _("只能派给本小区在岗的工作人员")})
    note = _textarea(_("派单说明"), MAX_NOTE, required=False, rows=2)

    # who is offered first: those who do the work, then those who lead it
    ORDER = (Role.TECHNICIAN, Role.DISPATCHER, Role.MANAGER, Role.SERVICE, Role.COMPANY_ADMIN,
             Role.FINANCE)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["to"].queryset = (
            Membership.objects.in_community(community).active().filter(role__in=STAFF_ROLES)
            .select_related("user", "department").order_by("department__name", "user__display_name",
                                                           "pk"))

    def grouped_members(self):
        """[(group label, [memberships])] for the select's option groups: field staff by their
        department (工程部, 保洁部, 秩序维护部 … — their post, not the role's name, says what they
        do), then the office roles; each member carries ``on_shift`` and ``load`` (open tasks),
        those on shift first."""
        from django.db.models import Count
        from django.utils import timezone

        from sunlit.tickets.models import Shift, Ticket

        now = timezone.now()
        members = list(self.fields["to"].queryset)
        on_shift = set(Shift.objects.in_community(self.community)
                       .filter(starts_at__lte=now, ends_at__gt=now).values_list("member_id", flat=True))
        load = dict(Ticket.objects.in_community(self.community).open_load()
                    .values_list("assignee_id").annotate(n=Count("pk")))
        groups: dict[tuple[int, str], list[Membership]] = {}
        for member in members:
            member.on_shift, member.load = member.pk in on_shift, load.get(member.pk, 0)
            if member.role == Role.TECHNICIAN:
                key = (0, member.department.name if member.department else str(Role(member.role).label))
            else:
                key = (1 + self.ORDER.index(member.role), str(Role(member.role).label))
            groups.setdefault(key, []).append(member)
        for rows in groups.values():
            rows.sort(key=lambda m: (not m.on_shift, m.load))
        return [(label, rows) for (_order, label), rows in sorted(groups.items())]


class RateForm(MarksInvalid, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评分"), "invalid_choice": _("评分应为 1 到 5 分")})
    comment = _textarea(_("评价"), MAX_NOTE, required=False, rows=2,
                        placeholder=_("说说这次服务（可不填）"))


class QuoteDecisionForm(MarksInvalid, forms.Form):
    note = _textarea(_("说明"), MAX_NOTE, required=False, rows=2)


