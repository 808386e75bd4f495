-- The feed's kinds are the program's list (`feed::kinds`), not the table's: a new kind
-- no longer needs a migration. A kind the server does not know is refused when read.
ALTER TABLE change_log DROP CONSTRAINT change_log_kind_check;
