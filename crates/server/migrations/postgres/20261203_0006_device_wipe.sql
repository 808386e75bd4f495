-- A device revoked from elsewhere erases itself at its next contact. Never edit once landed.
ALTER TABLE tokens ADD COLUMN wipe BIGINT NOT NULL DEFAULT 0;
