-- Home care and email: the durable outbox, the exercise library, versioned routines (final
-- once sent), private client links, and what clients report through them.

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    client_id       TEXT REFERENCES clients (id),
    created_by      TEXT REFERENCES users (id),
    to_address      TEXT NOT NULL,
    to_name         TEXT,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_client_idx ON outbox (client_id, created_at);
CREATE INDEX outbox_created_idx ON outbox (created_at);

CREATE TABLE exercises (
    id             TEXT PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL,
    muscle_id      TEXT NOT NULL REFERENCES muscles (id),
    kind           TEXT NOT NULL,
    tool           TEXT NOT NULL,
    title          TEXT NOT NULL,
    instructions   TEXT NOT NULL,
    seconds        INTEGER NOT NULL,
    repetitions    INTEGER NOT NULL,
    times_per_day  INTEGER NOT NULL,
    rest_days_note TEXT NOT NULL,
    shipped        BOOLEAN NOT NULL,
    created_by     TEXT REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX exercises_code_key ON exercises (code);
CREATE INDEX exercises_muscle_idx ON exercises (muscle_id, kind);

CREATE TABLE routines (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id),
    therapist_id TEXT NOT NULL REFERENCES users (id),
    version      INTEGER NOT NULL,
    intro        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    sent_at      TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX routines_client_version_key ON routines (client_id, version);

CREATE TABLE routine_items (
    id            TEXT PRIMARY KEY NOT NULL,
    routine_id    TEXT NOT NULL REFERENCES routines (id),
    position      INTEGER NOT NULL,
    exercise_id   TEXT REFERENCES exercises (id),
    title         TEXT NOT NULL,
    instructions  TEXT NOT NULL,
    seconds       INTEGER NOT NULL,
    repetitions   INTEGER NOT NULL,
    times_per_day INTEGER NOT NULL,
    notes         TEXT
);
CREATE INDEX routine_items_routine_idx ON routine_items (routine_id, position);

CREATE TABLE client_links (
    id         TEXT PRIMARY KEY NOT NULL,
    client_id  TEXT NOT NULL REFERENCES clients (id),
    routine_id TEXT NOT NULL REFERENCES routines (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX client_links_client_idx ON client_links (client_id, created_at);
CREATE INDEX client_links_routine_idx ON client_links (routine_id);

CREATE TABLE checkins (
    item_id    TEXT NOT NULL REFERENCES routine_items (id),
    day        DATE NOT NULL,
    routine_id TEXT NOT NULL REFERENCES routines (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, day)
);
CREATE INDEX checkins_routine_idx ON checkins (routine_id, day);

CREATE TABLE pain_reports (
    routine_id TEXT NOT NULL REFERENCES routines (id),
    day        DATE NOT NULL,
    pain       INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (routine_id, day)
);

-- A sent routine is kept exactly as sent.
CREATE TRIGGER routines_sent_no_update BEFORE UPDATE ON routines
WHEN OLD.status = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
CREATE TRIGGER routine_items_sent_no_insert BEFORE INSERT ON routine_items
WHEN (SELECT status FROM routines WHERE id = NEW.routine_id) = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
CREATE TRIGGER routine_items_sent_no_update BEFORE UPDATE ON routine_items
WHEN (SELECT status FROM routines WHERE id = OLD.routine_id) = 'sent'
  OR (SELECT status FROM routines WHERE id = NEW.routine_id) = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
CREATE TRIGGER routine_items_sent_no_delete BEFORE DELETE ON routine_items
WHEN (SELECT status FROM routines WHERE id = OLD.routine_id) = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'sent routine is final');
END;
