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
