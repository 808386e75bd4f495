-- A secret vote's count kept in the database (see the SQLite file of the same name).
-- Never edit once landed: add a new migration.
CREATE TABLE vote_tallies (
    vote_id TEXT COLLATE "C" NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    choice  BIGINT NOT NULL,
    ballots BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, choice)
);
