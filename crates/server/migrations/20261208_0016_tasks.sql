-- After the meeting (issue 32): the province's units, the office role of their staff,
-- the office's holidays, and the tasks conclusions give the units, with their history.
-- Never edit once landed: add a new migration.

CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Users gain the unit role (department staff who see their unit's tasks) and the unit
-- they act for. SQLite changes a CHECK only by rebuilding the table; the migration runs
-- with foreign keys off and checks every reference before it commits.
CREATE TABLE users_next (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('leader', 'secretary', 'admin', 'unit')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    unit_id       TEXT REFERENCES units (id),
    CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);
INSERT INTO users_next (id, username, display_name, role, password_hash, created_at, disabled)
    SELECT id, username, display_name, role, password_hash, created_at, disabled FROM users;
DROP TABLE users;
ALTER TABLE users_next RENAME TO users;
CREATE INDEX users_unit ON users (unit_id);

-- Days off the office keeps (YYYY-MM-DD): working-day deadlines skip them.
CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE tasks (
    id             TEXT PRIMARY KEY,
    content        TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('conclusion', 'meeting', 'other')),
    meeting_id     TEXT REFERENCES meetings (id) ON DELETE SET NULL,
    agenda_item_id TEXT,
    source_number  TEXT NOT NULL DEFAULT '',
    point          INTEGER,
    lead_unit_id   TEXT NOT NULL REFERENCES units (id),
    deadline       TEXT,
    leader_id      TEXT REFERENCES users (id),
    state          TEXT NOT NULL CHECK (state IN ('open', 'reported', 'completed')),
    done_on        TEXT,
    assigned_on    TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users (id),
    updated_at     TEXT NOT NULL
);
CREATE INDEX tasks_lead ON tasks (lead_unit_id);
CREATE INDEX tasks_assigned ON tasks (assigned_on);
CREATE INDEX tasks_meeting ON tasks (meeting_id);

-- Co-operating units.
CREATE TABLE task_units (
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_units_unit ON task_units (unit_id);

-- A task's history. A progress note's id is the one its device gave it: sent twice, it
-- is kept once.
CREATE TABLE task_events (
    id                TEXT PRIMARY KEY,
    task_id           TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('assigned', 'progress', 'reported', 'confirmed', 'returned', 'extended')),
    text              TEXT NOT NULL,
    by_user           TEXT NOT NULL REFERENCES users (id),
    at                TEXT NOT NULL,
    previous_deadline TEXT,
    deadline          TEXT
);
CREATE INDEX task_events_task ON task_events (task_id, at);
