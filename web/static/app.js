// Small helpers for the staff pages: htmx requests carry the CSRF token.
document.addEventListener("htmx:configRequest", function (event) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
});

// A form that asks a lane to act (open a door for loading) waits for the lane's answer: say so
// ("waiting for lane 2") and stop a second click from queueing a second command.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const text = form.dataset ? form.dataset.waiting : undefined;
  if (!text) return;
  // the lane owning the chosen door's bank (the select's data-lanes: bank id -> lane name)
  const select = form.querySelector("select[data-lanes]");
  const lanes = select ? JSON.parse(select.dataset.lanes || "{}") : {};
  const lane = select ? lanes[select.value.split(":")[0]] || "" : "";
  const status = document.getElementById("load-waiting");
  if (status) {
    status.textContent = text.replace("{lane}", lane);
    status.hidden = false;
  }
  form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
});
