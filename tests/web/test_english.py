"""English through the language cookie: the account, control and error pages of issue 12 are
translated (headings with no Chinese left), and the committed catalogue is complete and compiled.

The catalogue is regenerated with scripts/i18n.sh; these tests read the committed files only."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from sunlit.board import services as board
from sunlit.core.choices import Role
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "src" / "sunlit" / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


class _Headings(HTMLParser):
    """The text of the page's <title> and of every <h1>…<h4>."""

    TAGS = {"title", "h1", "h2", "h3", "h4"}

    def __init__(self):
        super().__init__()
        self.open, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append(tag)
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[-1] += data


def headings(response) -> list[str]:
    parser = _Headings()
    parser.feed(response.content.decode())
    return [" ".join(text.split()) for text in parser.texts]


def english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def assert_english(response, *expected):
    found = headings(response)
    assert response["Content-Language"] == "en"
    assert found and not [text for text in found if CJK.search(text)], found
    for text in expected:
        assert text in found, found


def test_bind_home_page_is_english(client, owner):
    response = english(client, owner).get(reverse("web:bind_home"))
    assert response.status_code == 200
    assert_english(response, "Link another home")
    page = response.content.decode()
    assert "activation code from the property company" in page and ">Link</button>" in page


def test_tokens_page_is_english(client, owner):
    english(client, owner).post(reverse("web:api_tokens"), {"name": "gate", "valid_days": 30})
    response = client.get(reverse("web:api_tokens"))
    assert response.status_code == 200
    assert_english(response, "API token", "Create a token")
    page = response.content.decode()
    assert "Never used" in page and "Revoke" in page and ">Active<" in page


def test_control_changes_list_is_english(client, community, company_admin, committee):
    board.set_require_cosign(community, True, actor=company_admin)
    controls.request_change(community, ControlKind.BOARD_COSIGN, {"require_cosign": False},
                            actor=company_admin, reason="业委会长期不会签")
    response = english(client, committee).get(reverse("governance:control_list"))
    assert response.status_code == 200
    assert_english(response, "Control changes")
    page = response.content.decode()
    assert "1 change is waiting for the committee's confirmation" in page
    assert "Committee countersignature of the public board" in page
    assert "Awaiting the committee&#x27;s confirmation" in page


def test_forbidden_page_is_english(client, owner):
    response = english(client, owner).get(reverse("web:console"))
    assert response.status_code == 403
    assert_english(response, "Permission denied")
    assert "Back to the home page" in response.content.decode()


def test_throttled_address_page_follows_the_users_language(client, settings, make_member):
    """The lock-out texts are read per request: a module-level gettext would freeze them in the
    language of whoever loaded the module first."""
    settings.SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT = 2
    victims = [make_member(Role.OWNER, username=f"victim{i}") for i in range(3)]
    for victim in victims[:2]:
        client.post(reverse("web:login"), {"username": victim.username, "password": "wrong"})
    login = {"username": victims[2].username, "password": PASSWORD}
    chinese = client.post(reverse("web:login"), login)
    assert chinese.status_code == 429 and "此网络地址的登录失败次数过多" in chinese.content.decode()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("web:login"), login)
    assert response.status_code == 429
    assert_english(response, "Too many failed sign-in attempts")
    assert "from this network address" in response.content.decode()


# --- the committed catalogue ---------------------------------------------------------------------

def _po_entries() -> list[tuple[list[str], dict[str, str]]]:
    """(flags, {msgid, msgid_plural, msgstr, msgstr[n]: text}) for each entry of django.po."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        flags, fields, key = [], {}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += _unquote(line)
            else:
                key, _, rest = line.partition(" ")
                fields[key] = _unquote(rest)
        if fields.get("msgid"):
            entries.append((flags, fields))
    return entries


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text.strip()[1:-1])


def test_catalogue_is_complete_without_fuzzy_or_obsolete_entries():
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "\n#~ " not in text
    entries = _po_entries()
    assert len(entries) > 2800
    assert not [f["msgid"] for flags, f in entries if "fuzzy" in flags]
    untranslated = [f["msgid"] for _, f in entries
                    if not all(v for k, v in f.items() if k.startswith("msgstr"))]
    assert not untranslated


def test_compiled_catalogue_matches_the_po():
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for _, f in _po_entries():
        if "msgctxt" in f or "msgid_plural" in f:
            continue
        assert compiled.gettext(f["msgid"]) == f["msgstr"], f["msgid"]
