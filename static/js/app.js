// Starts GOV.UK Frontend's components and wires htmx events. Loaded as a module from our own
// origin so the Content-Security-Policy needs no inline script.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend-6.3.0.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Components inside content that htmx swaps in need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// Move focus to a swapped-in error summary so screen reader users hear what went wrong.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const summary = event.detail.elt.querySelector?.(".govuk-error-summary");
  if (summary) summary.focus();
});

// The chair's console: N and P move between cases when no field has focus.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  const key = event.key.toLowerCase();
  const button = document.getElementById(key === "n" ? "console-next" : key === "p" ? "console-previous" : "");
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});

// The per-case timer counts up in whole minutes between swaps.
setInterval(() => {
  for (const timer of document.querySelectorAll("[data-timer-since]")) {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(timer.dataset.timerSince)) / 60000));
    timer.textContent = `${minutes} min`;
    timer.classList.toggle("app-overrun", minutes > Number(timer.dataset.timerLimit));
  }
}, 15000);

// The console swaps whole regions: warn before a swap would drop text typed but not saved.
document.addEventListener("input", (event) => {
  const form = event.target.closest?.("form[data-keeps-typing]");
  if (form) form.dataset.dirty = "true";
});
document.body.addEventListener("htmx:confirm", (event) => {
  if (!event.detail.elt.matches?.("[data-leaves-case]")) return;
  if (!document.querySelector("form[data-keeps-typing][data-dirty='true']")) return;
  event.preventDefault();
  const leave = window.confirm(
    "You have typed something on this case that is not saved. Leave it without saving?"
  );
  if (leave) event.detail.issueRequest(true);
});

// A referral step's button sends the whole step, so an autosave still waiting or in flight is
// dropped: it could only land after the save as an older copy (the server refuses one that
// would change what is stored).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches?.(".app-referral-form")) return;
  form.dataset.sending = "true";
  window.htmx?.trigger(form, "htmx:abort");
});
document.body.addEventListener("htmx:confirm", (event) => {
  if (event.detail.elt.closest?.("form[data-sending='true']")) event.preventDefault();
});
