-- Indexes shaped so the plan is right even before the planner has statistics.

-- The dashboard and the follow-up lists: one therapist's open follow-ups in a due-date range,
-- in due order, counted and paged from the index alone.
DROP INDEX followups_therapist_due_idx;
CREATE INDEX followups_therapist_due_idx ON followups (therapist_id, status, due_date, due_at, id);

-- The chart: one client's open follow-ups by due instant.
DROP INDEX followups_client_due_idx;
CREATE INDEX followups_client_open_idx ON followups (client_id, status, due_at);

-- A client's emails, newest first: the id breaks ties in the index, not in a sort that would
-- tempt the planner to walk the whole outbox by date instead.
DROP INDEX outbox_client_idx;
CREATE INDEX outbox_client_idx ON outbox (client_id, created_at, id);

-- Client search: LIKE '%meyer%' over search_text uses a trigram index instead of reading every
-- client. pg_trgm ships with PostgreSQL and is a trusted extension (no superuser needed).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX clients_search_trgm_idx ON clients USING gin (search_text gin_trgm_ops);
