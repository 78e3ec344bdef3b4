// Live lane screen: follows the lane over server-sent events; EventSource reconnects by itself.
(function () {
  "use strict";
  const body = document.body;
  const lang = body.dataset.lang || "id";
  const primary = document.getElementById("primary");
  const secondary = document.getElementById("secondary");
  const icon = document.getElementById("icon");
  const link = document.getElementById("link");
  const progress = document.getElementById("progress");
  const bar = document.getElementById("bar");

  function render(view) {
    body.dataset.state = view.state;
    primary.textContent = lang === "en" ? view.text_en : view.text_id;
    secondary.textContent = lang === "en" ? view.text_id : view.text_en;
    const d = view.detail || {};
    icon.dataset.door = d.door != null ? String(d.door) : "";
    const pages = Number(d.pages);
    if (view.state === "printing" && pages > 0) {
      progress.hidden = false;
      bar.style.width = Math.min(100, (100 * Number(d.page || 0)) / pages) + "%";
    } else {
      progress.hidden = true;
    }
    window.ambilView = view; // inspectable by tests and technicians
  }

  const source = new EventSource("/lane/events");
  source.addEventListener("view", (e) => render(JSON.parse(e.data)));
  source.onopen = () => link.classList.remove("down");
  source.onerror = () => link.classList.add("down");
})();
