-- Conversions claimed by one server instance at a time (issue 31): the instance that
-- converts a file holds a lease on it; one whose instance died is taken by another once
-- the lease has run out. Never edit once landed: add a new migration.
ALTER TABLE conversions ADD COLUMN claimed_by TEXT;
ALTER TABLE conversions ADD COLUMN lease_until TEXT;
