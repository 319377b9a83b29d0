-- The clinical record: clients, the muscle catalog, visits with SOAP notes, trigger-point
-- findings, addenda and perpetuating factors. Signed visits are locked by triggers.

CREATE TABLE clients (
    id                TEXT PRIMARY KEY NOT NULL,
    therapist_id      TEXT NOT NULL REFERENCES users (id),
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    preferred_name    TEXT,
    date_of_birth     DATE,
    email             TEXT,
    phone             TEXT,
    email_consent     BOOLEAN NOT NULL DEFAULT 0,
    email_consent_at  TIMESTAMP,
    occupation        TEXT,
    work_setup        TEXT,
    medical_history   TEXT,
    medications       TEXT,
    red_flags         TEXT,
    emergency_contact TEXT,
    notes             TEXT,
    archived          BOOLEAN NOT NULL DEFAULT 0,
    search_text       TEXT NOT NULL,
    sort_name         TEXT NOT NULL,
    last_visit_at     TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX clients_therapist_name_idx ON clients (therapist_id, archived, sort_name, id);
CREATE INDEX clients_therapist_created_idx ON clients (therapist_id, archived, created_at);
CREATE INDEX clients_therapist_visit_idx ON clients (therapist_id, archived, last_visit_at);
CREATE INDEX clients_sort_name_idx ON clients (sort_name, id);

CREATE TABLE muscles (
    id         TEXT PRIMARY KEY NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    map_view   TEXT NOT NULL,
    map_x      DOUBLE PRECISION NOT NULL,
    map_y      DOUBLE PRECISION NOT NULL,
    trp_sites  TEXT NOT NULL,
    referral   TEXT NOT NULL,
    palpation  TEXT NOT NULL,
    shipped    BOOLEAN NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX muscles_code_key ON muscles (code);
CREATE INDEX muscles_region_name_idx ON muscles (region, name);

CREATE TABLE muscle_zones (
    muscle_id TEXT NOT NULL REFERENCES muscles (id) ON DELETE CASCADE,
    zone      TEXT NOT NULL,
    PRIMARY KEY (muscle_id, zone)
);
CREATE INDEX muscle_zones_zone_idx ON muscle_zones (zone, muscle_id);

CREATE TABLE visits (
    id                TEXT PRIMARY KEY NOT NULL,
    client_id         TEXT NOT NULL REFERENCES clients (id),
    therapist_id      TEXT NOT NULL REFERENCES users (id),
    started_at        TIMESTAMP NOT NULL,
    duration_minutes  INTEGER NOT NULL,
    subjective        TEXT NOT NULL DEFAULT '',
    objective         TEXT NOT NULL DEFAULT '',
    assessment        TEXT NOT NULL DEFAULT '',
    plan              TEXT NOT NULL DEFAULT '',
    techniques        TEXT NOT NULL DEFAULT '',
    techniques_other  TEXT,
    pain_before       INTEGER,
    pain_after        INTEGER,
    notes             TEXT,
    signed_at         TIMESTAMP,
    signed_by         TEXT REFERENCES users (id),
    content_hash      TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX visits_client_idx ON visits (client_id, started_at);

CREATE TABLE findings (
    id                  TEXT PRIMARY KEY NOT NULL,
    visit_id            TEXT NOT NULL REFERENCES visits (id),
    client_id           TEXT NOT NULL REFERENCES clients (id),
    muscle_id           TEXT NOT NULL REFERENCES muscles (id),
    side                TEXT NOT NULL,
    site_label          TEXT,
    map_view            TEXT,
    map_x               DOUBLE PRECISION,
    map_y               DOUBLE PRECISION,
    classification      TEXT NOT NULL,
    taut_band           TEXT NOT NULL,
    hypersensitive_spot TEXT NOT NULL,
    referred_sensation  TEXT NOT NULL,
    pain_recognition    TEXT NOT NULL,
    twitch_response     TEXT NOT NULL,
    jump_sign           TEXT NOT NULL,
    restricted_rom      TEXT NOT NULL,
    weakness            TEXT NOT NULL,
    pain_nrs            INTEGER,
    ppt_value           DOUBLE PRECISION,
    ppt_unit            TEXT,
    ppt_kpa             DOUBLE PRECISION,
    referral_quality    TEXT,
    referral_zone       TEXT,
    notes               TEXT,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX findings_visit_idx ON findings (visit_id, created_at);
CREATE INDEX findings_client_muscle_idx ON findings (client_id, muscle_id, created_at);

CREATE TABLE addenda (
    id         TEXT PRIMARY KEY NOT NULL,
    visit_id   TEXT NOT NULL REFERENCES visits (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX addenda_visit_idx ON addenda (visit_id, created_at);

CREATE TABLE factors (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL REFERENCES clients (id),
    category      TEXT NOT NULL,
    factor        TEXT NOT NULL,
    source        TEXT NOT NULL,
    status        TEXT NOT NULL,
    action        TEXT,
    identified_on DATE NOT NULL,
    reviewed_on   DATE,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX factors_client_idx ON factors (client_id, identified_on);

CREATE TABLE factor_findings (
    factor_id  TEXT NOT NULL REFERENCES factors (id) ON DELETE CASCADE,
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    PRIMARY KEY (factor_id, finding_id)
);
CREATE INDEX factor_findings_finding_idx ON factor_findings (finding_id);

-- A signed visit, its findings and its addenda are final.
CREATE TRIGGER visits_signed_no_update BEFORE UPDATE ON visits
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER visits_signed_no_delete BEFORE DELETE ON visits
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER findings_signed_no_insert BEFORE INSERT ON findings
WHEN (SELECT signed_at FROM visits WHERE id = NEW.visit_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER findings_signed_no_update BEFORE UPDATE ON findings
WHEN (SELECT signed_at FROM visits WHERE id = OLD.visit_id) IS NOT NULL
  OR (SELECT signed_at FROM visits WHERE id = NEW.visit_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER findings_signed_no_delete BEFORE DELETE ON findings
WHEN (SELECT signed_at FROM visits WHERE id = OLD.visit_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed visit is locked');
END;
CREATE TRIGGER addenda_no_update BEFORE UPDATE ON addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are append-only');
END;
CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are append-only');
END;
