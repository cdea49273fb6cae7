-- Foundation schema (PostgreSQL). Times are UTC `TIMESTAMP`s; dates are KST calendar dates.

CREATE TABLE sites (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('pharmacy', 'post_office', 'nonghyup')),
    addr        TEXT    NOT NULL,
    lat         DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng         DOUBLE PRECISION NOT NULL CHECK (lng BETWEEN -180 AND 180),
    max_devices INTEGER NOT NULL DEFAULT 1 CHECK (max_devices >= 1),
    created_at  TIMESTAMP NOT NULL
);

-- One row per site; the database itself refuses negative stock.
CREATE TABLE site_stock (
    site_id      BIGINT  PRIMARY KEY REFERENCES sites (id),
    on_hand      BIGINT  NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    stock_at     TIMESTAMP,
    sales_halted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('clerk', 'admin')),
    site_id       BIGINT  REFERENCES sites (id),
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    CHECK ((role = 'clerk' AND site_id IS NOT NULL) OR (role = 'admin' AND site_id IS NULL))
);

CREATE TABLE sessions (
    id            TEXT   PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    site_id       BIGINT REFERENCES sites (id),
    device_id     TEXT   NOT NULL,
    device_name   TEXT,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    revoke_reason TEXT
);
CREATE INDEX sessions_active_by_site ON sessions (site_id) WHERE revoked_at IS NULL;

CREATE TABLE sales (
    id                BIGSERIAL PRIMARY KEY,
    site_id           BIGINT  NOT NULL REFERENCES sites (id),
    client_key        TEXT    NOT NULL,
    -- Keyed hashes (HMAC-SHA256); the resident number itself is never stored.
    quota_fingerprint TEXT    NOT NULL,
    buyer_fingerprint TEXT    NOT NULL,
    birth_year        INTEGER NOT NULL,
    week_start        DATE    NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    proxy             BOOLEAN NOT NULL,
    proxy_category    TEXT,
    sold_at           TIMESTAMP NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    user_id           BIGINT  NOT NULL REFERENCES users (id),
    session_id        TEXT    NOT NULL,
    device_id         TEXT    NOT NULL,
    UNIQUE (site_id, client_key)
);
CREATE INDEX sales_by_site_and_time ON sales (site_id, sold_at);

-- A void is a new entry beside the sale it corrects, never an edit of it.
CREATE TABLE sale_voids (
    sale_id    BIGINT PRIMARY KEY REFERENCES sales (id),
    reason     TEXT   NOT NULL,
    client_key TEXT   NOT NULL,
    voided_at  TIMESTAMP NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    session_id TEXT   NOT NULL,
    device_id  TEXT   NOT NULL
);

CREATE TABLE stock_ledger (
    id            BIGSERIAL PRIMARY KEY,
    site_id       BIGINT NOT NULL REFERENCES sites (id),
    entry         TEXT   NOT NULL CHECK (entry IN ('stock_in', 'sale', 'void')),
    delta         BIGINT NOT NULL,
    on_hand_after BIGINT NOT NULL CHECK (on_hand_after >= 0),
    sale_id       BIGINT REFERENCES sales (id),
    reference     TEXT,
    user_id       BIGINT REFERENCES users (id),
    session_id    TEXT,
    device_id     TEXT,
    occurred_at   TIMESTAMP NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX stock_ledger_by_site ON stock_ledger (site_id, id);

-- What each person (keyed fingerprint) has bought in a KST week, across every site.
CREATE TABLE weekly_quota (
    fingerprint TEXT    NOT NULL,
    week_start  DATE    NOT NULL,
    bought      INTEGER NOT NULL DEFAULT 0 CHECK (bought >= 0),
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (fingerprint, week_start)
);

-- The first response to each client key, replayed on a retry.
CREATE TABLE idempotency_keys (
    site_id      BIGINT  NOT NULL REFERENCES sites (id),
    client_key   TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT    NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (site_id, client_key)
);

CREATE TABLE api_keys (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT    NOT NULL,
    key_hash   TEXT    NOT NULL UNIQUE,
    per_second INTEGER NOT NULL CHECK (per_second > 0),
    burst      INTEGER NOT NULL CHECK (burst > 0),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMP NOT NULL,
    action        TEXT   NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    site_id       BIGINT REFERENCES sites (id),
    session_id    TEXT,
    detail        TEXT   NOT NULL DEFAULT '{}'
);

-- Ordered log of changes to what the public sees; its sequence is the open API's cursor.
CREATE TABLE change_log (
    seq        BIGSERIAL PRIMARY KEY,
    site_id    BIGINT NOT NULL REFERENCES sites (id),
    changed_at TIMESTAMP NOT NULL
);

-- Ledgers are append-only: corrections are new rows.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER stock_ledger_append_only BEFORE UPDATE OR DELETE ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER sales_append_only BEFORE UPDATE OR DELETE ON sales
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
