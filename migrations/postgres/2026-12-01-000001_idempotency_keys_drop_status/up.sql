-- The stored answer's status was never read: each write answers with its own fixed status.
ALTER TABLE idempotency_keys DROP COLUMN status;
