-- Indexes shaped so the plan is right even before the planner has statistics.

-- The dashboard and the follow-up lists: one therapist's open follow-ups in a due-date range,
-- in due order, counted and paged from the index alone.
DROP INDEX followups_therapist_due_idx;
CREATE INDEX followups_therapist_due_idx ON followups (therapist_id, status, due_date, due_at, id);

-- The chart: one client's open follow-ups by due instant. The old (client_id, due_date) index
-- lost to the reminder index (status first), which reads every open follow-up of the practice.
DROP INDEX followups_client_due_idx;
CREATE INDEX followups_client_open_idx ON followups (client_id, status, due_at);

-- A client's emails, newest first: the id breaks ties in the index, not in a sort that would
-- tempt the planner to walk the whole outbox by date instead.
DROP INDEX outbox_client_idx;
CREATE INDEX outbox_client_idx ON outbox (client_id, created_at, id);

-- Client search: a trigram index over the same text LIKE searched, so finding "meyer" reads the
-- rows that contain it instead of every client. External content: the text lives once, in
-- clients; the triggers keep the index in step. (The rowid of clients is stable: VACUUM keeps
-- the rowids of a table that has an index, and clients has its primary key's.)
CREATE VIRTUAL TABLE clients_search USING fts5(
    search_text, content = 'clients', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO clients_search (clients_search) VALUES ('rebuild');
CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;
CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_search (clients_search, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END;
CREATE TRIGGER clients_search_update AFTER UPDATE OF search_text ON clients BEGIN
    INSERT INTO clients_search (clients_search, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
    INSERT INTO clients_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;
