-- The documents of an agenda item (and the meeting's other documents) in the order the
-- secretary chooses. Existing documents keep the order they were shown in (by title).
-- Never edit once landed: add a new migration.
ALTER TABLE documents ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET position = (
    SELECT count(*) FROM documents d2
     WHERE d2.meeting_id = documents.meeting_id
       AND d2.agenda_item_id IS documents.agenda_item_id
       AND (d2.title < documents.title OR (d2.title = documents.title AND d2.id <= documents.id))
);
