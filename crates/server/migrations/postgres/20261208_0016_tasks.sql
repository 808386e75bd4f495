-- After the meeting (issue 32): units, the unit role, holidays and tasks (see the SQLite
-- file of the same name). Never edit once landed: add a new migration.

CREATE TABLE units (
    id         TEXT COLLATE "C" PRIMARY KEY,
    code       TEXT COLLATE nocase NOT NULL UNIQUE,
    name       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('leader', 'secretary', 'admin', 'unit'));
ALTER TABLE users ADD COLUMN unit_id TEXT COLLATE "C" REFERENCES units (id);
ALTER TABLE users ADD CONSTRAINT users_unit_check CHECK (role <> 'unit' OR unit_id IS NOT NULL);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE holidays (
    day  TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE tasks (
    id             TEXT COLLATE "C" PRIMARY KEY,
    content        TEXT COLLATE "C" NOT NULL,
    source         TEXT COLLATE "C" NOT NULL CHECK (source IN ('conclusion', 'meeting', 'other')),
    meeting_id     TEXT COLLATE "C" REFERENCES meetings (id) ON DELETE SET NULL,
    agenda_item_id TEXT COLLATE "C",
    source_number  TEXT COLLATE "C" NOT NULL DEFAULT '',
    point          BIGINT,
    lead_unit_id   TEXT COLLATE "C" NOT NULL REFERENCES units (id),
    deadline       TEXT COLLATE "C",
    leader_id      TEXT COLLATE "C" REFERENCES users (id),
    state          TEXT COLLATE "C" NOT NULL CHECK (state IN ('open', 'reported', 'completed')),
    done_on        TEXT COLLATE "C",
    assigned_on    TEXT COLLATE "C" NOT NULL,
    created_by     TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    updated_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX tasks_lead ON tasks (lead_unit_id);
CREATE INDEX tasks_assigned ON tasks (assigned_on);
CREATE INDEX tasks_meeting ON tasks (meeting_id);

CREATE TABLE task_units (
    task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id TEXT COLLATE "C" NOT NULL REFERENCES units (id),
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_units_unit ON task_units (unit_id);

CREATE TABLE task_events (
    id                TEXT COLLATE "C" PRIMARY KEY,
    task_id           TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind              TEXT COLLATE "C" NOT NULL
        CHECK (kind IN ('assigned', 'progress', 'reported', 'confirmed', 'returned', 'extended')),
    text              TEXT COLLATE "C" NOT NULL,
    by_user           TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    at                TEXT COLLATE "C" NOT NULL,
    previous_deadline TEXT COLLATE "C",
    deadline          TEXT COLLATE "C"
);
CREATE INDEX task_events_task ON task_events (task_id, at);
