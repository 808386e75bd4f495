-- A secret vote's count kept in the database (issue 31): one counter per choice, raised
-- in the same transaction that marks *that* a member voted. No row ever holds a voter
-- next to a choice; the count survives a restart and is shared by every server
-- instance. Never edit once landed: add a new migration.
CREATE TABLE vote_tallies (
    vote_id TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    choice  INTEGER NOT NULL,
    ballots INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, choice)
) WITHOUT ROWID;
