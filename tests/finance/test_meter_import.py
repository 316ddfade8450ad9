"""Meter readings from a file (抄表导入): every row checked with a Chinese message by row and
column, preview, atomic commit through record_readings, new per-unit meters when asked, the
template, pages and API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sunlit.finance.billing import services
from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.charges import meter_import
from sunlit.finance.charges.choices import ImportStatus
from sunlit.finance.models import Meter, MeterImport, MeterReading
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf
from tests.factories import UnitFactory
from tests.finance.conftest import FEB, JAN

D = Decimal
WATER = MeterKind.WATER


@pytest.fixture
def meters(books, finance, homes):
    """Water meters W-101 and W-102 of the first two homes, read in January (0 → 100 / 40);
    the third home has no meter."""
    made = [services.create_meter(books, actor=finance, kind=WATER, unit=unit) for unit in homes[:2]]
    for meter, number in zip(made, ("W-101", "W-102"), strict=True):
        Meter.objects.filter(pk=meter.pk).update(number=number)
        meter.number = number
    services.record_readings(books, actor=finance, period_start=JAN, read_on=dt.date(2026, 1, 31),
                             readings=[(made[0], "0", "100"), (made[1], "0", "40")])
    return made


def csv_file(*rows: str, header: str = "表号,房号,本期读数,抄表日期,上期读数") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def stage(community, actor, data: bytes, name: str = "feb.csv", **kwargs):
    kwargs.setdefault("kind", WATER)
    kwargs.setdefault("period_start", FEB)
    return meter_import.stage_meter_import(community, actor=actor, filename=name, data=data, **kwargs)


def test_a_good_file_previews_then_commits_through_record_readings(community, finance, meters, homes):
    data = csv_file("W-101,,130.5,2026-02-28,", f",{homes[1].label},52,2026/2/27,40")
    staged = stage(community, finance, data)
    assert staged.errors == [] and staged.summary["rows"] == 2 and staged.summary["usage_total"] == "42.50"
    assert not MeterReading.objects.filter(period_start=FEB).exists()  # a preview writes nothing
    done = meter_import.commit_meter_import(staged, actor=finance)
    assert done.status == ImportStatus.COMMITTED
    readings = {r.meter_id: (r.previous, r.current, r.read_on)
                for r in MeterReading.objects.filter(period_start=FEB)}
    assert readings == {meters[0].pk: (D("100.00"), D("130.50"), dt.date(2026, 2, 28)),
                        meters[1].pk: (D("40.00"), D("52.00"), dt.date(2026, 2, 27))}
    event = parse(LogLeaf.objects.get(event_type="finance.readings.imported").data.encode())["public"]
    assert event == {"period_start": "2026-02-01", "kind": "water", "sha256": staged.sha256,
                     "size": len(data), "readings": 2, "meters_created": 0, "usage_total": "42.50"}
    again = meter_import.commit_meter_import(staged, actor=finance)  # a double click
    assert again.status == ImportStatus.COMMITTED
    assert MeterReading.objects.filter(period_start=FEB).count() == 2


def test_every_bad_row_is_reported_and_nothing_is_written(community, finance, meters, homes, other_community,
                                                          make_member):
    from sunlit.core.choices import Role
    from sunlit.finance.books import ledger

    other_finance = make_member(Role.FINANCE, other_community, username="finance2")
    ledger.open_books(other_community, actor=other_finance)
    stranger = services.create_meter(other_community, actor=other_finance, kind=WATER,
                                     unit=UnitFactory(building__community=other_community))
    Meter.objects.filter(pk=stranger.pk).update(number="W-OTHER")
    services.create_meter(community, actor=finance, kind=MeterKind.ELECTRICITY, unit=homes[0])
    Meter.objects.filter(kind=MeterKind.ELECTRICITY).update(number="E-101")
    data = csv_file(
        "X-999,,10,2026-02-28,",                 # 2: unknown meter
        ",9号楼-1单元-999,10,2026-02-28,",        # 3: unknown unit
        "W-101,,abc,2026-02-28,",                 # 4: not a number
        "W-102,,39.99,2026-02-28,",               # 5: below the previous reading (40)
        "W-101,,120,2026-02-28,",                 # 6: the same meter as row 4
        f",{homes[0].label},121,2026-02-28,",     # 7: and again, by its unit
        "W-OTHER,,10,2026-02-28,",                # 8: another community's meter
        "W-102,,45.123,2026-02-28,",              # 9: three decimals (and W-102 twice)
        "E-101,,10,2026-02-28,",                  # 10: an electricity meter
        f",{homes[2].label},10,2026-02-28,",      # 11: no water meter there
        "W-101,,130,2026-04-01,",                 # 12: read outside February–March
        "W-102,,=A1*2,2026-02-28,",               # 13: a formula
        "W-101,,130,,",                           # 14: no date
        "W-101,,130,2026-02-30,",                 # 15: no such date
        "W-102,,60,2026-02-28,41",                # 16: previous given differs from the record
    )
    staged = stage(community, finance, data)
    by_row = {}
    for e in staged.errors:
        by_row.setdefault(e["row"], []).append((e["column"], e["message"]))
    assert by_row[2] == [("表号", "本小区没有表号为 X-999 的表")]
    assert by_row[3] == [("房号", "本小区没有房屋 9号楼-1单元-999")]
    assert by_row[4] == [("本期读数", "本期读数必须是数字")]
    assert by_row[5] == [("本期读数", "本期读数 39.99 小于上期读数 40.00")]
    # W-101 first appears in row 4 (its reading is wrong): rows 6 and 7 are the same meter again
    assert by_row[6] == [("表号", "与第 4 行是同一块表")] and by_row[7] == [("房号", "与第 4 行是同一块表")]
    assert by_row[8] == [("表号", "本小区没有表号为 W-OTHER 的表")]
    assert ("本期读数", "本期读数最多保留两位小数") in by_row[9]
    assert by_row[10] == [("表号", "表号 E-101 是电表，不是水表")]
    assert "没有水表" in by_row[11][0][1]
    # rows 12–16 repeat W-101 / W-102 (each also reported as the same meter again)
    assert ("抄表日期", "抄表日期应在 2026-02-01 至 2026-03-31 之间") in by_row[12]
    assert "公式" in by_row[13][0][1] or "数字" in by_row[13][0][1]
    assert ("抄表日期", "请填写抄表日期") in by_row[14]
    assert by_row[15][0] == ("抄表日期", "日期格式不正确（如 2024-01-31）")
    assert ("上期读数", "上期读数 41.00 与系统记录的 40.00 不一致") in by_row[16]
    with pytest.raises(ValidationError, match="处错误"):
        meter_import.commit_meter_import(staged, actor=finance)
    assert not MeterReading.objects.filter(period_start=FEB).exists()


def test_new_meters_are_created_only_when_asked(community, finance, meters, homes):
    row = f",{homes[2].label},20,2026-02-28,0"
    assert "没有水表" in stage(community, finance, csv_file(row)).errors[0]["message"]
    no_previous = stage(community, finance, csv_file(f",{homes[2].label},20,2026-02-28,"),
                        create_missing=True)
    assert no_previous.errors[0]["column"] == "上期读数"
    staged = stage(community, finance, csv_file(f"W-201,{homes[2].label},20,2026-02-28,0"),
                   create_missing=True)
    assert staged.errors == [] and staged.summary["new_meters"] == 1
    meter_import.commit_meter_import(staged, actor=finance)
    meter = Meter.objects.get(unit=homes[2], kind=WATER)
    assert meter.number == "W-201" and meter.readings.get().current == D("20.00")


def test_commit_is_atomic_when_the_data_changed_since_the_preview(community, finance, meters, homes):
    staged = stage(community, finance, csv_file("W-101,,130,2026-02-28,", "W-102,,50,2026-02-28,",
                                                f"W-201,{homes[2].label},5,2026-02-28,0"),
                   create_missing=True)
    assert staged.errors == []
    services.record_readings(community, actor=finance, period_start=FEB, read_on=dt.date(2026, 2, 27),
                             readings=[(meters[1], "40", "45")])  # someone typed W-102 meanwhile
    with pytest.raises(ValidationError, match="数据已变化"):
        meter_import.commit_meter_import(staged, actor=finance)
    assert MeterReading.objects.filter(period_start=FEB).count() == 1  # only the typed one
    assert not Meter.objects.filter(unit=homes[2]).exists()
    assert MeterImport.objects.get().status == ImportStatus.STAGED


def test_files_refused_as_a_whole(community, finance, meters, settings, monkeypatch):
    settings.SUNLIT_MAX_UPLOAD_BYTES = 50
    with pytest.raises(ValidationError, match="文件过大"):
        stage(community, finance, csv_file(*["W-101,,130,2026-02-28,"] * 5))
    settings.SUNLIT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    monkeypatch.setattr(meter_import, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="行数超过上限"):
        stage(community, finance, csv_file(*["W-101,,130,2026-02-28,"] * 4))
    with pytest.raises(ValidationError, match="表头"):
        stage(community, finance, csv_file("1,2", header="甲,乙"))
    with pytest.raises(ValidationError, match="不是有效的 Excel"):
        stage(community, finance, b"PK\x03\x04junk", name="x.xlsx")
    with pytest.raises(ValidationError, match=r"\.xlsx"):
        stage(community, finance, b"hello", name="x.pdf")
    with pytest.raises(ValidationError, match="账期"):
        stage(community, finance, csv_file("W-101,,130,2026-02-28,"), period_start=dt.date(2026, 2, 3))
    assert not MeterImport.objects.exists()


def test_an_excel_file_with_numbers_and_dates(community, finance, meters):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年2月 水表抄表"])  # a title line above the header is fine
    sheet.append(["表号", "本期读数", "抄表日期"])
    sheet.append(["W-101", 130.25, dt.datetime(2026, 2, 28)])
    sheet.append(["W-102", 41, dt.date(2026, 3, 2)])
    buffer = io.BytesIO()
    book.save(buffer)
    staged = stage(community, finance, buffer.getvalue(), name="feb.xlsx")
    assert staged.errors == [] and staged.summary["usage_total"] == "31.25"
    meter_import.commit_meter_import(staged, actor=finance)
    assert sorted(MeterReading.objects.filter(period_start=FEB).values_list("current", flat=True)) == [
        D("41.00"), D("130.25")]


def test_pages_upload_preview_commit_and_template(client, finance, meters, community, auditor):
    client.force_login(finance)
    template = client.get(reverse("finance:meter_import_template"), {"kind": "water"})
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("表号", "房号", "上期读数", "本期读数", "抄表日期")
    assert ("W-101", meters[0].unit.label, "100.00", None, None) in rows
    upload = SimpleUploadedFile("feb.csv", csv_file("W-101,,130,2026-02-28,", "W-102,,39,2026-02-28,"))
    answer = client.post(reverse("finance:meter_import_new"),
                         {"kind": "water", "period": "2026-02", "file": upload})
    staged = MeterImport.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("finance:meter_import", args=[staged.pk])
    preview = client.get(answer.url)
    assert "小于上期读数" in preview.text and 'data-testid="commit"' not in preview.text
    upload = SimpleUploadedFile("feb.csv", csv_file("W-101,,130,2026-02-28,", "W-102,,41,2026-02-28,"))
    answer = client.post(reverse("finance:meter_import_new"),
                         {"kind": "water", "period": "2026-02", "file": upload})
    preview = client.get(answer.url)
    assert 'data-testid="commit"' in preview.text and "130.00" in preview.text
    done = client.post(answer.url, {"action": "commit"}, follow=True)
    assert "已导入 2 条读数" in done.text and MeterReading.objects.filter(period_start=FEB).count() == 2
    bad = client.post(reverse("finance:meter_import_new"), {"kind": "water", "period": "2026-02"})
    assert bad.status_code == 400
    client.force_login(auditor)
    assert client.get(reverse("finance:meter_import_new")).status_code == 403


def test_api_stage_commit_and_another_community(client, finance, meters, community, other_community,
                                                make_member):
    from sunlit.core.choices import Role

    client.force_login(finance)
    url = f"/api/v1/finance/communities/{community.pk}/meter-imports"
    answer = client.post(url, {"kind": "water", "period": "2026-02",
                               "file": SimpleUploadedFile("feb.csv", csv_file("W-101,,130,2026-02-28,"))})
    assert answer.status_code == 201 and answer.json()["errors"] == []
    import_id = answer.json()["id"]
    bad = client.post(url, {"kind": "water", "period": "2026/02",
                            "file": SimpleUploadedFile("feb.csv", csv_file("W-101,,130,2026-02-28,"))})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
    stranger = make_member(Role.FINANCE, other_community, username="finance2")
    client.force_login(stranger)
    assert client.post(f"/api/v1/finance/meter-imports/{import_id}/commit").status_code == 404
    assert client.post(url, {"kind": "water", "period": "2026-02",
                             "file": SimpleUploadedFile("a.csv", b"x")}).status_code == 404
    client.force_login(finance)
    done = client.post(f"/api/v1/finance/meter-imports/{import_id}/commit")
    assert done.status_code == 200 and done.json()["status"] == "committed"
    template = client.get(f"/api/v1/finance/communities/{community.pk}/meter-imports/template?kind=water")
    assert template.status_code == 200 and template.content.startswith(b"PK")


def test_api_stage_with_an_idempotency_key_stages_once(client, finance, meters, community):
    """A multipart upload with an Idempotency-Key (found by tests/api/test_schema_fuzz.py: the
    fingerprint read the request body after Ninja had parsed the form, and answered 500)."""
    client.force_login(finance)
    url = f"/api/v1/finance/communities/{community.pk}/meter-imports"

    def send(content: bytes, key: str = "k-1"):
        return client.post(url, {"kind": "water", "period": "2026-02",
                                 "file": SimpleUploadedFile("feb.csv", content)},
                           HTTP_IDEMPOTENCY_KEY=key)

    first = send(csv_file("W-101,,130,2026-02-28,"))
    assert first.status_code == 201
    again = send(csv_file("W-101,,130,2026-02-28,"))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and MeterImport.objects.count() == 1
    other_file = send(csv_file("W-101,,131,2026-02-28,"))
    assert other_file.status_code == 422 and other_file.json()["errors"][0]["field"] == "Idempotency-Key"
    assert MeterImport.objects.count() == 1
    assert send(csv_file("W-101,,131,2026-02-28,"), key="k-2").status_code == 201
    assert MeterImport.objects.count() == 2
