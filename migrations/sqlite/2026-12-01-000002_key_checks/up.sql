-- A check value per server key (an HMAC of a fixed label), so that a node holding another key
-- refuses to start instead of fingerprinting the same people differently.
CREATE TABLE key_checks (
    name        TEXT PRIMARY KEY,
    check_value TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
