// Anjian: small page helpers. Confirm dangerous submits; keep htmx errors visible.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.body.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("htmx-error");
  if (box) { box.classList.remove("d-none"); }
});
