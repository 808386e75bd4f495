-- A device session revoked from elsewhere (the user's other device, or an admin for a
-- lost laptop) must erase itself at its next contact; a logout only ends the session.
ALTER TABLE tokens ADD COLUMN wipe INTEGER NOT NULL DEFAULT 0;
