-- The visit loop: a version per visit note (two tabs cannot silently overwrite each other) and
-- what was typed on the visit page but not yet saved as a note or a trigger point; reminders
-- only for follow-ups that ask for one; a follow-up outlives the trigger point it was about;
-- and the append-only and signed-record rules also hold against INSERT OR REPLACE.

ALTER TABLE visits ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE visits ADD COLUMN draft_input TEXT;

-- SQLite cannot change a foreign key in place: the table is rebuilt. Follow-ups scheduled
-- before this migration remind the client only if they are appointments: the therapist's own
-- checks never meant to email anyone.
CREATE TABLE followups_new (
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
    finding_id       TEXT REFERENCES findings (id) ON DELETE SET NULL,
    factor_id        TEXT REFERENCES factors (id),
    status           TEXT NOT NULL,
    repeat_every     INTEGER,
    repeat_unit      TEXT,
    repeat_until     DATE,
    repeat_count     INTEGER,
    reminder_sent_at TIMESTAMP,
    completed_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    remind           BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO followups_new (id, client_id, therapist_id, series_id, occurrence, due_date, due_time,
    due_at, reason_kind, reason, finding_id, factor_id, status, repeat_every, repeat_unit,
    repeat_until, repeat_count, reminder_sent_at, completed_at, created_at, updated_at, remind)
SELECT id, client_id, therapist_id, series_id, occurrence, due_date, due_time, due_at,
    reason_kind, reason, finding_id, factor_id, status, repeat_every, repeat_unit, repeat_until,
    repeat_count, reminder_sent_at, completed_at, created_at, updated_at,
    reason_kind = 'next_treatment'
FROM followups;
DROP TABLE followups;
ALTER TABLE followups_new RENAME TO followups;
CREATE INDEX followups_therapist_due_idx ON followups (therapist_id, status, due_date);
CREATE INDEX followups_client_due_idx ON followups (client_id, due_date);
CREATE INDEX followups_reminder_idx ON followups (status, reminder_sent_at, due_date);
CREATE INDEX followups_finding_idx ON followups (finding_id);
CREATE UNIQUE INDEX followups_series_occurrence_key ON followups (series_id, occurrence);

-- INSERT OR REPLACE deletes the conflicting row without running DELETE triggers (unless
-- recursive_triggers is on, which the application turns on but a shell may not). These run
-- before the conflict is resolved and refuse a replacement of a protected row.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER visits_signed_no_replace BEFORE INSERT ON visits
WHEN EXISTS (SELECT 1 FROM visits WHERE id = NEW.id AND signed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER findings_signed_no_replace BEFORE INSERT ON findings
WHEN EXISTS (SELECT 1 FROM findings f JOIN visits v ON v.id = f.visit_id
             WHERE f.id = NEW.id AND v.signed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER addenda_no_replace BEFORE INSERT ON addenda
WHEN EXISTS (SELECT 1 FROM addenda WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'addenda are append-only');
END;
CREATE TRIGGER routines_sent_no_replace BEFORE INSERT ON routines
WHEN EXISTS (SELECT 1 FROM routines WHERE status = 'sent'
             AND (id = NEW.id OR (client_id = NEW.client_id AND version = NEW.version)))
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
CREATE TRIGGER routine_items_sent_no_replace BEFORE INSERT ON routine_items
WHEN EXISTS (SELECT 1 FROM routine_items i JOIN routines r ON r.id = i.routine_id
             WHERE i.id = NEW.id AND r.status = 'sent')
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
CREATE TRIGGER routines_sent_no_delete BEFORE DELETE ON routines
WHEN OLD.status = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
