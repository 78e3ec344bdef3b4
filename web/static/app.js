// Small helpers for the staff pages: htmx requests carry the CSRF token.
document.addEventListener("htmx:configRequest", function (event) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
});
