-- The visit loop: a version per visit note (two tabs cannot silently overwrite each other) and
-- what was typed on the visit page but not yet saved as a note or a trigger point; reminders
-- only for follow-ups that ask for one; a follow-up outlives the trigger point it was about;
-- and the signed and append-only records cannot be emptied with TRUNCATE.

ALTER TABLE visits ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE visits ADD COLUMN draft_input TEXT;

-- Follow-ups scheduled before this migration remind the client only if they are appointments:
-- the therapist's own checks never meant to email anyone.
ALTER TABLE followups ADD COLUMN remind BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE followups SET remind = (reason_kind = 'next_treatment');
ALTER TABLE followups DROP CONSTRAINT followups_finding_id_fkey;
ALTER TABLE followups ADD CONSTRAINT followups_finding_id_fkey
    FOREIGN KEY (finding_id) REFERENCES findings (id) ON DELETE SET NULL;
CREATE INDEX followups_finding_idx ON followups (finding_id);

CREATE FUNCTION clinical_record_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is part of the clinical record and cannot be truncated', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER visits_no_truncate BEFORE TRUNCATE ON visits
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_record_no_truncate();
CREATE TRIGGER findings_no_truncate BEFORE TRUNCATE ON findings
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_record_no_truncate();
CREATE TRIGGER addenda_no_truncate BEFORE TRUNCATE ON addenda
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_record_no_truncate();
CREATE TRIGGER routines_no_truncate BEFORE TRUNCATE ON routines
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_record_no_truncate();
CREATE TRIGGER routine_items_no_truncate BEFORE TRUNCATE ON routine_items
    FOR EACH STATEMENT EXECUTE FUNCTION clinical_record_no_truncate();

-- A sent routine cannot be deleted either (updates were already refused).
CREATE TRIGGER routines_sent_no_delete BEFORE DELETE ON routines
    FOR EACH ROW EXECUTE FUNCTION routine_final();
