// Live lane screen: follows the lane over server-sent events (EventSource reconnects by itself),
// and lets the driver type a short code or a PIN and rate the service by touch.
// Whose a refusal is (view.fault: "user" = the driver's code, "lane" = the lane cannot serve) is
// decided by the lane (controller/lane/screen.py fault_of); this page only draws it.
(function () {
  "use strict";
  const body = document.body;
  const lang = body.dataset.lang || "id";
  const $ = (id) => document.getElementById(id);
  const ICONS = { starting: "wait", ready: "qr", reading: "car", checking: "wait", pin_entry: "pin",
    printing: "print", take_document: "ok", door_open: "door", offline: "off", out_of_service: "stop",
    rating: "star" };
  const FAULT_ICONS = { user: "alert", lane: "tool" };
  const DIGITS = { pin: Number(body.dataset.pinDigits || 6), code: Number(body.dataset.codeDigits || 10) };
  const keypad = { mode: "code", digits: "" };
  const pick = (v, name) => (lang === "en" ? v[name + "_en"] : v[name + "_id"]) || "";
  const other = (v, name) => (lang === "en" ? v[name + "_id"] : v[name + "_en"]) || "";

  function render(view) {
    body.dataset.state = view.state;
    body.dataset.fault = view.fault || "";
    $("primary").textContent = pick(view, "text");
    $("more").textContent = pick(view, "more");
    $("more").hidden = !pick(view, "more");
    $("secondary").textContent = other(view, "text");
    $("icon").firstElementChild.setAttribute("href", "#i-" + (FAULT_ICONS[view.fault] || ICONS[view.state] || "qr"));
    const d = view.detail || {};
    const door = view.state === "door_open" && d.door != null;
    $("door-number").textContent = door ? String(d.door) : "";
    $("where").textContent = door ? pick(d, "where") : "";
    drawBank(door ? d : null);
    const pages = Number(d.pages), page = Number(d.page || 0);
    // no counter before the first page is out ("page 0 of N" says nothing)
    $("progress").hidden = !(view.state === "printing" && pages > 0 && page > 0);
    if (!$("progress").hidden) $("bar").style.width = Math.min(100, (100 * page) / pages) + "%";
    $("rating").hidden = !(view.state === "rating" && !d.rated);
    $("rated").hidden = !(view.state === "rating" && d.rated);
    const typing = view.state === "ready" || view.state === "reading" || view.state === "refused";
    $("open-keypad").hidden = !typing;
    if (view.state === "pin_entry") openKeypad("pin");
    else if (keypad.mode === "pin" && !$("keypad").hidden) closeKeypad();
  }

  // the bank as built: rows x columns of doors, the open one lit
  function drawBank(d) {
    const bank = $("bank");
    bank.replaceChildren();
    if (!d || !d.columns) return;
    bank.style.gridTemplateColumns = "repeat(" + d.columns + ", 1fr)";
    for (let n = 1; n <= Number(d.doors || d.door); n++) {
      const cell = document.createElement("span");
      cell.className = "cell" + (n === Number(d.door) ? " open" : "");
      cell.textContent = String(n);
      bank.appendChild(cell);
    }
  }

  function openKeypad(mode) {
    keypad.mode = mode;
    keypad.digits = "";
    $("keypad-title").textContent = $("keypad-title").dataset[mode];
    showEntry();
    $("keypad").hidden = false;
  }
  function closeKeypad() { $("keypad").hidden = true; keypad.digits = ""; }
  // the entry shows how long the code or PIN is: a dot or digit per place, filled as typed
  function showEntry() {
    const d = keypad.digits, length = DIGITS[keypad.mode];
    let shown = "";
    for (let i = 0; i < Math.max(length, d.length); i++) {
      if (keypad.mode === "code" && i === 5) shown += " ";
      shown += i < d.length ? (keypad.mode === "pin" ? "●" : d[i]) : (keypad.mode === "pin" ? "○" : "_");
    }
    $("entry").textContent = shown;
    $("entry").dataset.typed = String(d.length);
  }
  function post(path, payload) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload) }).catch(() => null);
  }

  document.querySelectorAll(".key").forEach((button) => button.addEventListener("click", () => {
    const key = button.dataset.key;
    const max = keypad.mode === "pin" ? 8 : DIGITS.code;
    if (key === "back") keypad.digits = keypad.digits.slice(0, -1);
    else if (key === "ok") {
      if (keypad.mode === "pin") post("/api/v1/lane/pin", { digits: keypad.digits });
      else post("/api/v1/lane/short-code", { digits: keypad.digits });
      closeKeypad();
      // "checking" at once: the welcome screen under the keypad must not flash before the answer
      render({ state: "checking", fault: "", detail: {}, text_id: body.dataset.checkingId,
        text_en: body.dataset.checkingEn });
      return;
    } else if (keypad.digits.length < max) keypad.digits += key;
    showEntry();
  }));
  $("keypad-cancel").addEventListener("click", closeKeypad);
  $("open-keypad").addEventListener("click", () => openKeypad("code"));
  document.querySelectorAll(".rate").forEach((button) => button.addEventListener("click", () => {
    post("/api/v1/lane/rating", { score: Number(button.dataset.score) });
    $("rating").hidden = true;
    $("rated").hidden = false;
  }));

  // Spoken prompts (lane.speech; the <audio> is on the page only then): each new clip once, in
  // the page's language and then the other. A missing clip or a refused autoplay stays silent.
  // Which clip a view plays is the server's choice (view.clip, web/i18n/speech.py clip_of).
  const speech = $("speech");
  let spoken = null;
  function speak(view) {
    if (!speech) return;
    const clip = view.clip || view.state;
    if (clip === spoken) return; // a printing page count or a re-sent view: not again
    spoken = clip;
    const langs = lang === "en" ? ["en", "id"] : ["id", "en"];
    const next = () => {
      const l = langs.shift();
      if (!l || spoken !== clip) return;
      speech.src = speech.dataset.base + l + "/" + clip + ".wav";
      const played = speech.play();
      if (played) played.catch(next);
    };
    speech.onended = next;
    speech.onerror = next;
    next();
  }

  function show(view) {
    render(view);
    speak(view);
    window.ambilView = view; // inspectable by tests and technicians
  }
  show(JSON.parse($("initial-view").textContent));

  // EventSource retries a dropped stream by itself, but gives up for good on some failures
  // (an error status while the lane restarts): then start a new one.
  function connect() {
    const source = new EventSource("/lane/events");
    source.addEventListener("view", (e) => show(JSON.parse(e.data)));
    source.onopen = () => $("link").classList.remove("down");
    source.onerror = () => {
      $("link").classList.add("down");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }
  connect();
})();
