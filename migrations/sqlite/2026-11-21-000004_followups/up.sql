-- Follow-up schedules and the therapists' calendar feeds. A follow-up keeps its local date and
-- optional local time (in the practice's zone) as scheduled, and the UTC instant derived from
-- them for ordering, reminders and calendars.

CREATE TABLE followups (
    id               TEXT PRIMARY KEY NOT NULL,
    client_id        TEXT NOT NULL REFERENCES clients (id),
    therapist_id     TEXT NOT NULL REFERENCES users (id),
    series_id        TEXT NOT NULL,
    occurrence       INTEGER NOT NULL,
    due_date         DATE NOT NULL,
    due_time         TEXT,
    due_at           TIMESTAMP NOT NULL,
    reason_kind      TEXT NOT NULL,
    reason           TEXT,
    finding_id       TEXT REFERENCES findings (id),
    factor_id        TEXT REFERENCES factors (id),
    status           TEXT NOT NULL,
    repeat_every     INTEGER,
    repeat_unit      TEXT,
    repeat_until     DATE,
    repeat_count     INTEGER,
    reminder_sent_at TIMESTAMP,
    completed_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX followups_therapist_due_idx ON followups (therapist_id, status, due_date);
CREATE INDEX followups_client_due_idx ON followups (client_id, due_date);
CREATE INDEX followups_reminder_idx ON followups (status, reminder_sent_at, due_date);
CREATE UNIQUE INDEX followups_series_occurrence_key ON followups (series_id, occurrence);

CREATE TABLE calendar_feeds (
    id           TEXT PRIMARY KEY NOT NULL,
    therapist_id TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX calendar_feeds_therapist_idx ON calendar_feeds (therapist_id, created_at);
