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
