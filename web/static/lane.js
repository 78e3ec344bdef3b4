// Live lane screen: follows the lane over server-sent events (EventSource reconnects by itself),
// and lets the driver type a short code or a PIN and rate the service by touch.
(function () {
  "use strict";
  const body = document.body;
  const lang = body.dataset.lang || "id";
  const $ = (id) => document.getElementById(id);
  const ICONS = { starting: "wait", ready: "qr", reading: "car", checking: "wait", pin_entry: "pin",
    printing: "print", take_document: "ok", door_open: "door", refused: "alert", problem: "alert",
    offline: "off", out_of_service: "stop" };
  const keypad = { mode: "code", digits: "" };
  let current = null;

  function render(view) {
    current = view;
    body.dataset.state = view.state;
    $("primary").textContent = lang === "en" ? view.text_en : view.text_id;
    // long messages (a fault and what to do) get a smaller size so they still fit the screen
    $("primary").classList.toggle("long", $("primary").textContent.length > 64);
    $("secondary").textContent = lang === "en" ? view.text_id : view.text_en;
    $("icon").firstElementChild.setAttribute("href", "#i-" + (ICONS[view.state] || "qr"));
    const d = view.detail || {};
    $("door-number").textContent = d.door != null ? String(d.door) : "";
    const where = lang === "en" ? d.where_en : d.where_id;
    $("where").hidden = !(view.state === "door_open" && where);
    $("where").textContent = where || "";
    const pages = Number(d.pages);
    $("progress").hidden = !(view.state === "printing" && pages > 0);
    if (!$("progress").hidden) $("bar").style.width = Math.min(100, (100 * Number(d.page || 0)) / pages) + "%";
    const done = view.state === "take_document" || view.state === "door_open";
    $("rating").hidden = !done || Boolean(d.rated);
    $("rated").hidden = !(done && d.rated);
    $("open-keypad").hidden = !(view.state === "ready" || view.state === "reading");
    if (view.state === "pin_entry") openKeypad("pin");
    else if (keypad.mode === "pin" && !$("keypad").hidden) closeKeypad();
    window.ambilView = view; // inspectable by tests and technicians
  }

  function openKeypad(mode) {
    keypad.mode = mode;
    keypad.digits = "";
    $("keypad-title").textContent = $("keypad-title").dataset[mode];
    showEntry();
    $("keypad").hidden = false;
  }
  function closeKeypad() { $("keypad").hidden = true; keypad.digits = ""; }
  function showEntry() {
    const d = keypad.digits;
    $("entry").textContent = keypad.mode === "pin" ? "•".repeat(d.length)
      : d.replace(/(\d{5})(?=\d)/, "$1 ");
  }
  function post(path, payload) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload) }).catch(() => null);
  }

  document.querySelectorAll(".key").forEach((button) => button.addEventListener("click", () => {
    const key = button.dataset.key;
    const max = keypad.mode === "pin" ? 8 : 10;
    if (key === "back") keypad.digits = keypad.digits.slice(0, -1);
    else if (key === "ok") {
      if (keypad.mode === "pin") post("/api/v1/lane/pin", { digits: keypad.digits });
      else post("/api/v1/lane/short-code", { digits: keypad.digits });
      closeKeypad();
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

  // EventSource retries a dropped stream by itself, but gives up for good on some failures
  // (an error status while the lane restarts): then start a new one.
  function connect() {
    const source = new EventSource("/lane/events");
    source.addEventListener("view", (e) => render(JSON.parse(e.data)));
    source.onopen = () => $("link").classList.remove("down");
    source.onerror = () => {
      $("link").classList.add("down");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }
  connect();
})();
