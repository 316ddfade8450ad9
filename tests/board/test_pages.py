"""Pages: history, the week, review, CSV, JSON, the poster PDF and the disclosure page."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from sunlit.board import services
from sunlit.board.models import WeeklyBoard
from tests.board.conftest import NOW, WEEK


@pytest.fixture
def published(community, week_tickets, manager):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    services.add_measure(board.items.first(), "已更换老化水管", actor=manager)
    return services.publish_board(board, actor=manager, now=NOW)


def _login(client, user):
    client.force_login(user)
    return client


def test_owner_sees_the_published_board(client, neighbour, published, week_tickets):
    page = _login(client, neighbour).get(reverse("board:board", args=[published.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "本周新问题" in html and "老问题" in html and "G007" in html
    assert week_tickets["resolved"].number in html and "王小明" not in html
    assert published.content_sha256 in html


def test_owner_cannot_see_a_draft(client, owner, community, week_tickets, manager):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    assert _login(client, owner).get(reverse("board:board", args=[board.pk])).status_code == 404


def test_other_community_gets_404(client, owner_other_community, published):
    page = _login(client, owner_other_community).get(reverse("board:board", args=[published.pk]))
    assert page.status_code == 404


def test_history_lists_weeks_with_chart(client, owner, published):
    html = _login(client, owner).get(reverse("board:board_list")).content.decode()
    assert "trend-chart" in html and "echarts.min.js" in html


def test_csv_export(client, owner, published):
    response = _login(client, owner).get(reverse("board:board_csv", args=[published.pk]))
    text = response.getvalue().decode("utf-8-sig")  # streamed (core.exports)
    assert text.splitlines()[0].startswith("工单号,分组")
    assert "已更换老化水管" in text and len(text.strip().splitlines()) == 6


def test_content_json_matches_the_log(client, owner, published):
    body = _login(client, owner).get(reverse("board:content_json", args=[published.pk])).content
    assert hashlib.sha256(body).hexdigest() == published.content_sha256


def test_staff_review_flow(client, manager, community, week_tickets):
    _login(client, manager)
    response = client.post(reverse("board:generate"), {"week": "2026-11-11"})
    board = WeeklyBoard.objects.get(community=community)
    assert response.status_code == 302 and board.week_start == WEEK
    item = board.items.first()
    client.post(reverse("board:item_action", args=[item.pk, "untrue"]), {"reason": "现场核实无此问题"})
    assert client.get(reverse("board:review", args=[board.pk])).status_code == 200
    client.post(reverse("board:board_action", args=[board.pk, "publish"]))
    board.refresh_from_db()
    assert board.is_published and any(i["untrue"] for i in board.content["items"])


def test_owner_cannot_publish(client, owner, community, week_tickets, manager):
    board = services.generate_board(community, WEEK, actor=manager, now=NOW)
    response = _login(client, owner).post(reverse("board:board_action", args=[board.pk, "publish"]))
    assert response.status_code == 404
    board.refresh_from_db()
    assert not board.is_published


def test_disclosure_page(client, owner, published, plumbing):
    html = _login(client, owner).get(reverse("board:disclosure")).content.decode()
    assert "服务承诺" in html and "水电" in html and "G007" in html
    assert "verifier-key" in html and "2026-11-09" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_poster_pdf_text_and_qr(client, owner, published, tmp_path):
    from sunlit.board import poster
    from sunlit.core import rendering

    response = _login(client, owner).get(reverse("board:poster", args=[published.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "物业每周曝光台" in text and "本周新问题" in text and "明强小区" in text
    assert published.content_sha256 in text.replace("\n", "").replace(" ", "")
    url = f"http://testserver/board/{published.pk}/"
    assert url in text
    html = poster.render_html(published, url=url)
    assert rendering.qr_data_uri(url) in html
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3  # header lines + the QR image
    # the QR code printed on the poster, read back from the rendered page as a phone would
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(page))]
    assert url in decoded


def test_rendering_a_poster_leaves_upload_checks_strict(client, owner, published):
    from PIL import ImageFile

    _login(client, owner).get(reverse("board:poster", args=[published.pk]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # WeasyPrint's import sets it; poster.py undoes it
