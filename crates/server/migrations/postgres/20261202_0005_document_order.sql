-- Documents in the order the secretary chooses (see the SQLite file of the same name).
-- Never edit once landed.
ALTER TABLE documents ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
UPDATE documents SET position = (
    SELECT count(*) FROM documents d2
     WHERE d2.meeting_id = documents.meeting_id
       AND d2.agenda_item_id IS NOT DISTINCT FROM documents.agenda_item_id
       AND (d2.title < documents.title OR (d2.title = documents.title AND d2.id <= documents.id))
);
