-- Minutes (see the SQLite file of the same name). Never edit once landed.
CREATE TABLE minutes (
    meeting_id   TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    version      BIGINT NOT NULL,
    state        TEXT COLLATE "C" NOT NULL CHECK (state IN ('draft', 'approved')),
    data         TEXT COLLATE "C" NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL DEFAULT '',
    approved_by  TEXT COLLATE "C" REFERENCES users (id),
    approved_at  TEXT COLLATE "C",
    document_id  TEXT COLLATE "C",
    updated_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (meeting_id, version)
);
CREATE FUNCTION minutes_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'approved' THEN
        RAISE EXCEPTION 'approved minutes are locked: a correction is a new version';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER minutes_locked BEFORE UPDATE ON minutes FOR EACH ROW EXECUTE FUNCTION minutes_locked();
