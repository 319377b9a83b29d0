// Small helpers for forms on signed-in pages. Every page works without this script; it only
// saves the therapist a click or a mistake.
"use strict";

// Whole days from the ISO date `from` to the ISO date `to`.
function daysBetween(from, to) {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86400000);
}

// A follow-up's "remind the client" box follows the reason and due date until the therapist
// touches it: appointments remind the client, the therapist's own checks do not, and nothing
// due inside the reminder window (whose email would go out at once) reminds by default.
function followReminderDefault(box) {
  const reason = document.getElementById("reason_kind");
  const due = document.getElementById("due_date");
  if (!reason || !due) return;
  let touched = false;
  box.addEventListener("change", () => { touched = true; });
  const update = () => {
    if (touched) return;
    const ahead = daysBetween(box.dataset.today, due.value);
    const window = Number(box.dataset.remindWindowDays);
    box.checked = window > 0 && reason.value === box.dataset.remindDefault && ahead > window;
  };
  reason.addEventListener("change", update);
  due.addEventListener("change", update);
}

document.querySelectorAll("input[data-remind-default]").forEach(followReminderDefault);

// ---- Session: the token scripts send, and the idle warning ----

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// After the user signed in again in another tab, the server hands scripts the new token; every
// form on the page takes it too, so the next save goes through.
function adoptToken(token) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) meta.content = token;
  document.querySelectorAll('input[name="csrf_token"]').forEach((input) => { input.value = token; });
}

// POSTs form fields as a script does; resolves to the fetch Response. A stale token is
// replaced once and the request retried.
async function postForm(url, fields) {
  const send = () => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() },
    body: fields,
  });
  let response = await send();
  if (response.status === 409) {
    const body = await response.clone().json().catch(() => ({}));
    if (body.status === "stale_token" && body.csrf_token) {
      adoptToken(body.csrf_token);
      response = await send();
    }
  }
  if (response.ok || response.status === 204) sessionTouched();
  return response;
}

const LAST_SEEN = "myochart.lastRequest";

// Any tab's request slides the one session: tabs share when it last happened.
function sessionTouched() {
  try { localStorage.setItem(LAST_SEEN, String(Date.now())); } catch (_) { /* private mode */ }
  lastRequest = Date.now();
}

let lastRequest = Date.now();
let lastActivity = Date.now();

function lastSeen() {
  let shared = 0;
  try { shared = Number(localStorage.getItem(LAST_SEEN) || 0); } catch (_) { shared = 0; }
  return Math.max(lastRequest, shared);
}

function watchIdle() {
  const idle = Number(document.body.dataset.idleSeconds || 0);
  if (!idle) return;
  // The server refreshes its clock of the session at most this often, so it may be this far
  // behind the page's.
  const slack = Math.min(60, Math.floor(idle / 4));
  const warnAt = Math.max(10, Math.min(120, Math.floor(idle / 3)));
  const banner = document.createElement("div");
  banner.className = "idle-warning";
  banner.setAttribute("role", "alert");
  banner.hidden = true;
  const text = document.createElement("p");
  const stay = document.createElement("button");
  stay.type = "button";
  stay.textContent = "Stay signed in";
  banner.append(text, stay);
  document.body.prepend(banner);
  sessionTouched();
  ["keydown", "pointerdown", "input"].forEach((kind) => {
    document.addEventListener(kind, () => { lastActivity = Date.now(); }, { passive: true });
  });
  let ended = false;
  let pending = false;
  const keepAlive = async () => {
    if (pending) return;
    pending = true;
    const response = await postForm("/session/keep-alive", new URLSearchParams()).catch(() => null);
    pending = false;
    if (response && response.status === 401) ended = true;
    tick();
  };
  stay.addEventListener("click", keepAlive);
  const tick = () => {
    const left = Math.floor(idle - slack - (Date.now() - lastSeen()) / 1000);
    if (ended || left <= 0) {
      ended = true;
      text.textContent = "You have been signed out after a while without activity. What you typed is still on this page: saving it will ask you to sign in, then save it.";
      stay.hidden = true;
      banner.hidden = false;
      return;
    }
    if (left > warnAt) {
      banner.hidden = true;
      return;
    }
    // Someone at the keyboard is not idle: keep the session without asking.
    if (Date.now() - lastActivity < warnAt * 1000) {
      keepAlive();
      return;
    }
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    text.textContent = `You will be signed out in ${minutes}:${seconds} because nothing has happened for a while.`;
    stay.hidden = false;
    banner.hidden = false;
  };
  setInterval(tick, 1000);
}

watchIdle();

// ---- Sending a form kept from an ended session, once signed in again ----
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());

// ---- Errors land where the user is ----
{
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "center" });
  }
}

// ---- Leaving with unsaved changes asks first ----

// What the user typed on a form: everything but the fields the page itself keeps up to date.
function formState(form) {
  const fields = new URLSearchParams(new FormData(form));
  ["csrf_token", "version", "confirmed"].forEach((name) => fields.delete(name));
  return fields.toString();
}

const guarded = [];

function guard(form) {
  const entry = { form, baseline: formState(form), leaving: false };
  form.addEventListener("submit", () => { entry.leaving = true; });
  guarded.push(entry);
  return entry;
}

document.querySelectorAll("form[data-guard]").forEach(guard);

window.addEventListener("beforeunload", (event) => {
  const unsaved = guarded.some((g) => !g.leaving && formState(g.form) !== g.baseline);
  if (unsaved) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// ---- Buttons that ask first ----
document.querySelectorAll("button[data-confirm]").forEach((button) => {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const confirmed = button.form && button.form.querySelector('input[name="confirmed"]');
    if (confirmed) confirmed.value = "yes";
  });
});

// ---- Autosave: the visit page saves as the therapist types ----

function autosave(form) {
  const entry = guarded.find((g) => g.form === form) || guard(form);
  const status = form.querySelector("[data-save-status]");
  const version = form.querySelector('input[name="version"]');
  const say = (text, kind) => {
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind || "";
  };
  let timer = null;
  let sending = false;
  let again = false;
  let blocked = false;
  let retryDelay = 5000;

  const send = async () => {
    timer = null;
    if (blocked) return;
    if (sending) { again = true; return; }
    const snapshot = formState(form);
    if (snapshot === entry.baseline) return;
    sending = true;
    say("Saving…", "busy");
    const fields = new URLSearchParams(new FormData(form));
    let response = null;
    try {
      response = await postForm(form.dataset.autosave, fields);
    } catch (_) {
      response = null;
    }
    sending = false;
    if (!response) {
      say("Not saved: the server cannot be reached. Retrying; your text stays here.", "error");
      timer = setTimeout(send, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
      return;
    }
    retryDelay = 5000;
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) {
      blocked = true;
      say("Not saved: you were signed out. Your text is still here: press Save note to sign in and save it.", "error");
    } else if (body.status === "saved") {
      version.value = String(body.version);
      entry.baseline = snapshot;
      say(`Saved ${body.saved_at}`, "ok");
    } else if (body.status === "invalid") {
      entry.baseline = snapshot;
      const first = Object.values(body.errors || {})[0] || "Some values were not accepted.";
      say(`Kept as typed, not yet saved in the note: ${first}`, "error");
    } else if (body.status === "conflict") {
      blocked = true;
      showConflict(form, body, () => {
        version.value = String(body.version);
        blocked = false;
        send();
      });
      say("Not saved: this note was changed in another tab. Both versions are shown below the note heading.", "error");
    } else {
      say("Not saved: the server answered unexpectedly. Retrying; your text stays here.", "error");
      timer = setTimeout(send, retryDelay);
    }
    if (again) { again = false; schedule(); }
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, 1500);
  };
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", () => { blocked = true; if (timer) clearTimeout(timer); });
}

// Shows the other tab's note beside this one, and a way to keep this one.
function showConflict(form, body, keepMine) {
  let box = form.querySelector("[data-conflict]");
  if (!box) {
    box = document.createElement("div");
    box.className = "card conflict";
    box.setAttribute("data-conflict", "");
    box.setAttribute("role", "alert");
    const heading = form.querySelector("#note-heading");
    heading.after(box);
  }
  box.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = "Saved in another tab or window meanwhile:";
  const list = document.createElement("dl");
  list.className = "facts";
  for (const [key, label] of [["subjective", "Subjective"], ["objective", "Objective"], ["assessment", "Assessment"], ["plan", "Plan"], ["notes", "Other notes"]]) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.className = "note-text";
    dd.textContent = (body.theirs && body.theirs[key]) || "";
    list.append(dt, dd);
  }
  const keep = document.createElement("button");
  keep.type = "button";
  keep.textContent = "Keep my version (save it over that one)";
  keep.addEventListener("click", () => { box.remove(); keepMine(); });
  box.append(title, list, keep);
}

document.querySelectorAll("form[data-autosave]").forEach(autosave);
