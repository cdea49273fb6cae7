-- Failed sign-ins of an account count within a window from the first of them, as an unknown
-- name's do: the count alone never decayed, so a lock over time told a real name from a made-up one.
ALTER TABLE users ADD COLUMN first_failed_at TIMESTAMP;
