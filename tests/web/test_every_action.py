"""Every link and every button a role is shown works for that role (issue 14).

On the demo, each demo account walks from its landing page through every page it is linked to
(each kind of page a few times, with different objects), and presses every button it is offered
with the form's own values, each press rolled back afterwards. A link that leads to a refusal,
a missing page or a server error is a dead end; a button whose form is refused (403), points
nowhere (404/405) or breaks (500) does not work. A form that asks for more input answers with
its errors (200/400/409/422) and that is fine: this walk checks that the button is wired for the
role that sees it, not what a person would type.
"""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from sunlit.core.models import User
from sunlit.demo import ACCOUNT_SPECS, PLATFORM_ADMIN, load_demo

pytestmark = pytest.mark.django_db

PAGES_PER_ROLE = 260
VISITS_PER_KIND = 2
SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/logout/", "/api/", "/log/", "/i18n/")
FINE_AFTER_POST = {200, 302, 303, 400, 409, 422, 429}


class Page(HTMLParser):
    """The links and the forms (with the values they would send) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") and "download" not in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(),
                          "action": a.get("action"), "fields": [], "buttons": [],
                          "sends_itself": "hx-post" in a or "hx-trigger" in a}
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "button"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "image"):
                self._form["buttons"].append((a["name"], a.get("value", "")))
            elif kind != "file":
                self._form["fields"].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].append([a["name"], None])
        elif tag == "option" and self._select:
            last = self._form["fields"][-1]
            if last[1] is None or "selected" in a:
                last[1] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"].append([a["name"], ""])
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._form["buttons"].append((a.get("name"), a.get("value", "")))

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][-1][1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _kind(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def _walk(client, problems: list[str], counts: Counter) -> None:
    start = client.get("/", follow=True)
    landing = start.request["PATH_INFO"]
    queue, seen, kinds, pressed = deque([(landing, "/")]), {landing}, Counter(), set()
    while queue and counts["pages"] < PAGES_PER_ROLE:
        path, linked_from = queue.popleft()
        response = client.get(path)
        counts["pages"] += 1
        if response.status_code in (301, 302):
            response = client.get(response.url, follow=True)
        if response.status_code != 200:
            problems.append(f"{linked_from} links to {path} → {response.status_code}")
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        page = Page()
        page.feed(response.content.decode())
        for href in page.links:
            target = urljoin(path, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc or not target.startswith("/") or target.startswith(SKIP_PREFIXES):
                continue
            kind = _kind(target)
            if kind is None:
                problems.append(f"{path} links to {target}, which no page answers")
                continue
            if target in seen or kinds[kind] >= VISITS_PER_KIND:
                continue
            seen.add(target)
            kinds[kind] += 1
            queue.append((target, path))
        for form in page.forms:
            action = urljoin(path, form["action"] or path)
            kind = _kind(action)
            if kind is None:
                problems.append(f"{path}: a form goes to {action}, which no page answers")
                continue
            if urlsplit(action).path.startswith(SKIP_PREFIXES):
                continue
            if form["method"] != "post":  # a search or a filter, sent as it stands
                if ("get", kind) not in pressed:
                    pressed.add(("get", kind))
                    counts["searches"] += 1
                    query = urlencode([(n, v or "") for n, v in form["fields"]])
                    answer = client.get(f"{urlsplit(action).path}?{query}")
                    if answer.status_code not in (200, 302):
                        problems.append(f"{path}: search → GET {action}?{query} → "
                                        f"{answer.status_code}")
                continue
            if not form["buttons"] and not form["sends_itself"]:
                continue  # nothing to press (a table wrapped for the buttons of another role)
            for name, value in form["buttons"] or [(None, "")]:
                if (kind, name, value) in pressed:
                    continue
                pressed.add((kind, name, value))
                data = [(n, v or "") for n, v in form["fields"]]
                if name:
                    data.append((name, value))
                counts["buttons"] += 1
                problem = _press(client, action, data)
                if problem:
                    problems.append(f"{path}: {name or '按钮'}={value} → POST {action} {problem}")


def _press(client, action: str, data: list[tuple[str, str]]) -> str | None:
    body: dict[str, list[str]] = {}
    for name, value in data:
        body.setdefault(name, []).append(value)
    try:
        with transaction.atomic():
            response = client.post(action, body)
            transaction.set_rollback(True)
    except Exception as exc:  # a button that breaks is what this test looks for
        return f"raised {type(exc).__name__}: {exc}"
    if response.status_code not in FINE_AFTER_POST:
        return f"→ {response.status_code}"
    return None


def test_every_link_and_button_works_for_the_role_that_sees_it(client):
    load_demo(units=100)
    problems: list[str] = []
    walked = {}
    for spec in ACCOUNT_SPECS:
        if spec.role == PLATFORM_ADMIN:
            continue  # /admin/ is Django's own site
        client.force_login(User.objects.get(username=spec.username))
        counts: Counter = Counter()
        role_problems: list[str] = []
        _walk(client, role_problems, counts)
        walked[spec.username] = dict(counts)
        problems += [f"[{spec.username}] {p}" for p in role_problems]
        client.logout()
    print(walked)
    assert all(c["pages"] >= 5 for c in walked.values()), walked
    assert not problems, "\n".join(problems)
