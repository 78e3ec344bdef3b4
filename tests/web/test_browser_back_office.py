"""The back office in real headless Chromium, through the pages only: a staff member registers a
print document with a PDF, marks it ready, opens the slip, reissues, cancels another; registers a
locker item, loads a door, marks it ready; then a simulated lane releases both, reading the QRs
the pages show. Screenshots of the main pages are kept under artifacts/screenshots/.

Also: the pages at 360 px (a phone) and 1920 px, and WCAG AA text contrast on each.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_pdf
from tests.rigs.browser import log_in as sign_in
from tests.rigs.browser import screenshot
from tests.rigs.screen_log import ScreenLog
from tests.rigs.server import LiveServer
from tests.rigs.wait import wait_for

PASSWORD = "petugas-mpp-2026"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def office_site(build, tmp_path):
    system = build(printer={"type": "sim", "seconds_per_page": 0.01}, dedupe_seconds=0.5)
    system.accounts.create_user("siti", PASSWORD, "staff", display_name="Siti")
    system.accounts.create_user("admin", PASSWORD, "admin")
    pdf = tmp_path / "akta.pdf"
    pdf.write_bytes(make_pdf(2, "Akta Kelahiran"))
    with LiveServer(system) as server:
        yield system, server, pdf


def log_in(page, url: str, username: str = "siti") -> None:
    sign_in(page, url, username, PASSWORD)
    page.wait_for_url("**/staff/documents")


def register(page, url: str, *, kind_word: str, title: str, pdf=None, size: str | None = None) -> int:
    page.goto(f"{url}/staff/documents/new")
    option = page.locator("#kind_id option", has_text=kind_word).first
    page.select_option("#kind_id", value=option.get_attribute("value"))
    page.fill("#title", title)
    page.fill("#reference", f"REF-{title[:4]}")
    page.fill("#citizen_phone", "0812 3456 7890")
    if pdf is not None:
        page.set_input_files("#file", str(pdf))
    if size is not None:
        page.select_option("#door_size", size)
    page.click("#register")
    page.wait_for_url("**/staff/documents/*")
    return int(page.url.split("?")[0].rstrip("/").split("/")[-1])


def issued_code(page) -> str:
    link = page.input_value("#citizen-link")
    return link.rsplit("/p/", 1)[1]


def show_citizen_qr_to_the_lane(browser, url: str, code: str, system) -> None:
    """The driver's phone shows the citizen page; the lane's camera sees that screen."""
    phone = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    phone.goto(f"{url}/p/{code}")
    image = phone.locator("#qr").screenshot()
    phone.close()
    assert system.lane.simulate_scan(image=image) == [code]


def test_staff_run_the_drive_thru_from_the_pages(chromium, office_site):
    system, server, pdf = office_site
    url = server.url
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, url)
    screenshot(page, "office-documents-empty")

    # a print document: register with its PDF, mark ready, open the slip, reissue
    doc_id = register(page, url, kind_word="Akta", title="Akta Kelahiran Budi", pdf=pdf)
    assert page.inner_text("#doc-state").strip() != ""
    page.wait_for_selector("#preview")
    screenshot(page, "office-document-draft")
    page.click("#mark-ready")
    page.wait_for_selector("#shown-once")
    first_code = issued_code(page)
    assert len(page.inner_text("#short-code").replace(" ", "")) == 10
    screenshot(page, "office-code-issued")
    with context.expect_event("response", lambda r: r.url.endswith("/slip.pdf")) as slip:
        page.click("#print-slip")  # opens the A6 slip PDF in a new tab
    assert slip.value.status == 200
    assert slip.value.header_value("content-type") == "application/pdf"
    # the browser hands the PDF to its viewer; fetch the same form post to check the file itself
    form = {name: page.input_value(f"#slip-form input[name={name}]") for name in ("csrf_token", "code")}
    slip_pdf = page.request.post(slip.value.url, form=form).body()
    assert slip_pdf.startswith(b"%PDF") and b"/MediaBox" in slip_pdf
    for tab in context.pages[1:]:
        tab.close()
    page.click("#back-to-document")
    page.click("#reissue")
    page.wait_for_selector("#shown-once")
    code = issued_code(page)
    assert code != first_code
    old = page.context.new_page()
    response = old.goto(f"{url}/p/{first_code}")
    assert response.status == 410  # the old code stopped working at once
    old.close()
    page.click("#back-to-document")

    # another print document, cancelled
    other_id = register(page, url, kind_word="SKCK", title="SKCK Ani", pdf=pdf)
    page.click("#mark-ready")
    page.wait_for_selector("#shown-once")
    page.click("#back-to-document")
    page.check("#cancel-confirm")
    page.click("#cancel")
    wait_for(lambda: system.office.get_document(other_id)["state"] == "cancelled", what="cancelled")

    # a locker item: register, open a door through the lane, put it in, close, confirm, ready
    locker_id = register(page, url, kind_word="KTP", title="KTP-el Citra", size="S")
    page.wait_for_selector("#load-panel")
    screenshot(page, "office-locker-load")
    door_value = page.input_value("#load-door")
    page.click("#load-open")
    page.wait_for_selector("#load-confirm")
    bank_id, door = door_value.split(":")
    bank = system.lane.lockers[bank_id]
    assert [d for d, _ms, _at in bank.pulses] == [int(door)]  # exactly that door, once
    bank.close_door(int(door))  # staff put the item in and shut the door
    page.click("#load-confirm")
    page.wait_for_selector("#mark-ready")
    page.click("#mark-ready")
    page.wait_for_selector("#shown-once")
    locker_code = issued_code(page)
    locker_pin = page.inner_text("#pin").strip()
    assert len(locker_pin) == 6
    page.goto(f"{url}/staff/lockers")
    screenshot(page, "office-lockers")

    # the lane releases both, from the QR on the citizen page
    show_citizen_qr_to_the_lane(chromium, url, code, system)
    wait_for(lambda: system.office.get_document(doc_id)["state"] == "released", what="print released")
    shown = ScreenLog(system.lane.screen)  # the PIN prompt is a result view: it may show briefly
    show_citizen_qr_to_the_lane(chromium, url, locker_code, system)
    # a KTP-el is a sensitive kind: the lane asks for the PIN staff gave the citizen separately
    shown.wait(state="pin_entry")
    system.lane.enter_pin(locker_pin)
    wait_for(lambda: system.office.get_document(locker_id)["state"] == "released", what="locker released")
    assert [d for d, _ms, _at in bank.pulses] == [int(door), int(door)]  # loading, then the pickup
    assert len(system.lane.printer.printed) == 1

    page.goto(f"{url}/staff/documents")
    assert page.locator(f"#doc-{doc_id}").is_visible()
    screenshot(page, "office-documents")
    page.goto(f"{url}/staff/documents/{doc_id}")
    assert "released" in (page.get_attribute("#doc-state", "class") or "") or page.inner_text("#doc-state")
    screenshot(page, "office-document-released")
    page.goto(f"{url}/staff/reports")
    screenshot(page, "office-reports")
    context.close()
    admin = chromium.new_context(viewport=DESKTOP).new_page()
    log_in_admin(admin, url)
    for name in ("users", "lanes", "kinds", "keys"):
        admin.goto(f"{url}/admin/{name}")
        screenshot(admin, f"office-admin-{name}")
    admin.context.close()


def log_in_admin(page, url: str) -> None:
    sign_in(page, url, "admin", PASSWORD)


CONTRAST_JS = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent && getComputedStyle(el).position !== "fixed") continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < need) bad.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)} < ${need}`);
  }
  return bad;
}
"""

PAGES = [
    "/login",
    "/staff/documents",
    "/staff/documents/new",
    "/staff/documents/{doc}",
    "/staff/lockers",
    "/staff/reports",
    "/account",
    "/admin/users",
    "/admin/lanes",
    "/admin/kinds",
    "/admin/keys",
    "/p/{code}",
]


@pytest.mark.parametrize("width", [360, 1920])
def test_pages_fit_phones_and_wide_screens_with_aa_contrast(chromium, office_site, width):
    system, server, pdf = office_site
    office = system.office
    doc = office.create_document(
        kind="print", title="Surat Pindah", pdf=make_pdf(1), actor="test", citizen_phone="081234567890"
    )
    code = office.mark_ready(doc["id"], "test").code
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    log_in_admin(page, server.url)
    problems = []
    for path in PAGES:
        page.goto(server.url + path.format(doc=doc["id"], code=code))
        name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"
        screenshot(page, f"responsive-{width}-{name}")
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
            problems.append(f"{path}: wider than {width} px")
        problems.extend(f"{path}: {bad}" for bad in page.evaluate(CONTRAST_JS))
    page.context.close()
    assert not problems, "\n".join(problems)
