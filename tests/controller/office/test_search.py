"""Document search in SQL, on SQLite and PostgreSQL: text, phone spellings, wildcards, filters, paging."""

from __future__ import annotations

import pytest

from controller.kernel.errors import AmbilError
from controller.office.kinds import DocumentKinds
from controller.office.search import escape_like, phone_digits


def _add(office, title, *, reference=None, phone=None, kind="print", pdf=None, kind_id=None):
    extra = {"citizen_phone": phone} if phone else {}
    if kind_id is not None:
        extra["kind_id"] = kind_id
    if kind == "locker":
        extra["door_size"] = "M"
    doc = office.create_document(kind=kind, title=title, reference=reference, pdf=pdf, actor="staff", **extra)
    office.clock.advance(1)  # distinct creation times: newest first is observable
    return doc["id"]


def _ids(result):
    return [item["id"] for item in result.items]


def test_text_search_matches_title_and_reference_case_insensitively(office):
    akta = _add(office, "Akta Kelahiran Budi", reference="AKT-2025-001")
    skck = _add(office, "SKCK", reference="skck/77")
    assert _ids(office.search_documents(q="akta")) == [akta]
    assert _ids(office.search_documents(q="KELAHIRAN")) == [akta]
    assert _ids(office.search_documents(q="akt-2025")) == [akta]
    assert _ids(office.search_documents(q="SKCK/7")) == [skck]
    assert _ids(office.search_documents(q="  ")) == [skck, akta]  # blank = everything, newest first
    assert office.search_documents(q="tidak ada").total == 0


def test_like_wildcards_in_the_query_are_literal(office):
    percent = _add(office, "Diskon 50% pajak")
    plain = _add(office, "Diskon 500 pajak")
    under = _add(office, "kode_A")
    _add(office, "kodeXA")
    back = _add(office, "C:\\arsip")
    assert _ids(office.search_documents(q="50%")) == [percent]
    assert plain in _ids(office.search_documents(q="50"))
    assert _ids(office.search_documents(q="e_a")) == [under]
    assert _ids(office.search_documents(q="c:\\a")) == [back]
    assert _ids(office.search_documents(q="%")) == [percent]


@pytest.mark.parametrize(
    "query",
    ["081234567890", "0812-3456-7890", "+62 812 3456 7890", "6281234567890", "3456 7890", "(0812) 3456"],
)
def test_phone_search_ignores_separators_and_the_country_prefix(office, query):
    stored_local = _add(office, "A", phone="0812 3456 7890")
    stored_intl = _add(office, "B", phone="+62-812-3456-7890")
    _add(office, "C", phone="0813 1111 2222")
    _add(office, "D")
    assert sorted(_ids(office.search_documents(q=query))) == sorted([stored_local, stored_intl])


def test_filters_combine_with_the_text(office, pdf):
    kinds = DocumentKinds(office.engine)
    akta = kinds.create("Akta", "print", actor="admin").id
    ktp = kinds.create("KTP-el", "locker", actor="admin").id
    draft = _add(office, "Akta satu", pdf=pdf)
    ready = _add(office, "Akta dua", pdf=pdf, kind_id=akta)
    office.mark_ready(ready, "staff")
    locker = _add(office, "Akta tiga (KTP)", kind="locker", kind_id=ktp)
    assert _ids(office.search_documents(state="ready")) == [ready]
    assert _ids(office.search_documents(q="akta", state="draft")) == [locker, draft]
    assert _ids(office.search_documents(delivery="locker")) == [locker]
    assert _ids(office.search_documents(q="akta", delivery="print")) == [ready, draft]
    assert _ids(office.search_documents(kind_id=akta)) == [ready]
    assert _ids(office.search_documents(kind_id=ktp, delivery="print")) == []


def test_paging_is_newest_first_with_a_total(office):
    ids = [_add(office, f"Dokumen {n}") for n in range(7)]
    first = office.search_documents(limit=3)
    assert _ids(first) == ids[::-1][:3] and first.total == 7
    assert not first.has_previous and first.has_next
    last = office.search_documents(limit=3, offset=6)
    assert _ids(last) == [ids[0]] and last.has_previous and not last.has_next


@pytest.mark.parametrize(
    "bad", [{"state": "lost"}, {"delivery": "fax"}, {"limit": 0}, {"limit": 201}, {"offset": -1}]
)
def test_bad_filters_are_refused(office, bad):
    with pytest.raises(AmbilError) as err:
        office.search_documents(**bad)
    assert err.value.key == "request.invalid"


def test_helpers():
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"
    assert phone_digits("+62 812-3") == "8123" == phone_digits("0812 3") == phone_digits("8123")
