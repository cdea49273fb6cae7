ALTER TABLE users DROP COLUMN first_failed_at;
