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

// The chair's console: N and P move between cases when no field has focus. Each user can turn
// the single keys off (kept in this browser for that user), as WCAG 2.1.4 asks of single-key
// shortcuts.
const keysSetting = () =>
  `conference.console-keys.${document.querySelector("[data-keys-for]")?.dataset.keysFor ?? ""}`;
const keysOn = () => window.localStorage?.getItem(keysSetting()) !== "off";
function showKeys() {
  const on = keysOn();
  for (const hint of document.querySelectorAll("[data-keys-hint]")) {
    hint.querySelector("[data-keys-on]").hidden = !on;
    hint.querySelector("[data-keys-off]").hidden = on;
    const toggle = hint.querySelector("[data-keys-toggle]");
    toggle.hidden = false;
    toggle.textContent = on ? "Turn the keys off" : "Turn the keys on";
  }
  for (const [id, key] of [["console-next", "n"], ["console-previous", "p"]]) {
    const button = document.getElementById(id);
    if (!button) continue;
    if (on) button.setAttribute("aria-keyshortcuts", key);
    else button.removeAttribute("aria-keyshortcuts");
  }
}
showKeys();
document.body.addEventListener("htmx:afterSettle", showKeys);
document.addEventListener("click", (event) => {
  if (!event.target.closest?.("[data-keys-toggle]")) return;
  window.localStorage?.setItem(keysSetting(), keysOn() ? "off" : "on");
  showKeys();
  announce(keysOn() ? "The keys N and P are on" : "The keys N and P are off");
});
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || !keysOn()) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
  const key = event.key.toLowerCase();
  const button = document.getElementById(key === "n" ? "console-next" : key === "p" ? "console-previous" : "");
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});

function focusAfter(from) {
  if (document.querySelector("#console .govuk-error-summary")) return;
  if (from.matches?.("[data-leaves-case]")) {
    const heading = document.getElementById("case-heading");
    if (heading) heading.focus();
    else document.getElementById("console-next")?.focus();
    const done = document.querySelector("#flash .govuk-notification-banner__content");
    const opened = heading ? `Case ${heading.textContent.trim()} opened` : "No case is open";
    announce([done?.textContent.trim(), opened].filter(Boolean).join(". "));
  } else if (from.matches?.("form[data-new-action]")) {
    const target = from.getAttribute("hx-target");
    const next = document.querySelector(`${target} form[data-new-action] textarea`);
    next?.focus();
    announce("Action added");
  } else if (from.matches?.("a[data-opens-form]")) {
    // A link that opened one block's form (the minutes): its first field takes focus.
    const target = from.getAttribute("hx-target");
    document.querySelector(`${target} form :is(textarea, select, input:not([type=hidden]))`)?.focus();
  } else if (from.matches?.("form[data-carries]")) {
    // The carried action is the plan's newest: focus it, so the chair can change it at once.
    const carried = document.querySelectorAll(`${from.getAttribute("hx-target")} .app-plan__action`);
    carried[carried.length - 1]?.focus();
    announce("Action carried forward into this plan");
  } else if (from.matches?.("form[data-keeps-focus]")) {
    // A reordered agenda or a saved research return: focus stays on the item moved or saved
    // (the first of the selectors still on the page), and the page's live region says so.
    document.querySelector(from.dataset.keepsFocus)?.focus();
    announce(from.dataset.says, "page-announce");
  }
}

// A change refused because someone else saved first is said aloud too (both versions are shown).
document.body.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.xhr?.status !== 409 || !event.detail.elt.closest?.("#console")) return;
  announce("Someone else changed this first: both versions are shown");
});

// Ctrl+Enter (or Cmd+Enter) sends the console form being typed in, as its button would.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = event.target.closest?.("form[data-keeps-typing]");
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
});

// One polite live region on the console page, never replaced, says what each change did.
function announce(text, regionId = "console-announce") {
  const region = document.getElementById(regionId);
  if (!region || !text) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 100);
}

// The follow view swaps its content as the meeting moves; its own live region, outside what
// is swapped, says what changed (the case on screen, the actions agreed, the end).
let followSaid = document.getElementById("follow")?.dataset.announce;
document.body.addEventListener("htmx:afterSettle", () => {
  const said = document.getElementById("follow")?.dataset.announce;
  if (said && said !== followSaid) announce(said, "follow-announce");
  followSaid = said;
});

// After a swap, focus lands where the change is: the new case's heading after moving between
// cases, the next task's field after agreeing an action.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const config = event.detail.requestConfig;
  const from = config?.elt;
  if (!from || config.focusDone || event.detail.xhr?.status >= 300) return;
  config.focusDone = true;
  // After every part of the answer has settled (a success banner takes focus as it starts).
  window.setTimeout(() => focusAfter(from), 0);
});

// The case's record saves itself as the chair types (the server merges a stale copy, or shows
// both texts when both changed a field); a button still saves it at once.
document.body.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt;
  if (!form.matches?.("form[data-autosave]")) return;
  if (event.detail.triggeringEvent?.type === "submit") return;
  event.detail.headers["X-Autosave"] = "1";
});
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (form.matches?.("form[data-autosave]")) form.dataset.dirty = "false";
});
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.matches?.("form[data-autosave]") && !event.detail.successful) form.dataset.dirty = "true";
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
