DROP INDEX outbox_client_idx;
CREATE INDEX outbox_client_idx ON outbox (client_id, created_at);
DROP INDEX clients_search_trgm_idx;
DROP INDEX followups_client_open_idx;
CREATE INDEX followups_client_due_idx ON followups (client_id, due_date);
DROP INDEX followups_therapist_due_idx;
CREATE INDEX followups_therapist_due_idx ON followups (therapist_id, status, due_date);
