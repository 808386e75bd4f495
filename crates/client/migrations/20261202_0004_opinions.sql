-- The secretariat's follow-up of opinions ("handled"), as the feed brings it to the
-- secretariat's devices. Never edit once landed: add a new migration.
CREATE TABLE opinion_states (
    annotation_id TEXT PRIMARY KEY,
    meeting_id    TEXT NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX opinion_states_meeting ON opinion_states (meeting_id);
