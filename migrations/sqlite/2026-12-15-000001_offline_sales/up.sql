-- Sales made while the counter was cut off from the server, entered later.
ALTER TABLE sales ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;

-- A `shortfall` entry puts back what an offline sale took beyond the stock on hand, so the
-- ledger still sums to on-hand. SQLite cannot alter a CHECK: the table is rebuilt.
CREATE TABLE stock_ledger_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       BIGINT NOT NULL REFERENCES sites (id),
    entry         TEXT   NOT NULL CHECK (entry IN ('stock_in', 'sale', 'void', 'shortfall')),
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
INSERT INTO stock_ledger_new SELECT * FROM stock_ledger;
DROP TABLE stock_ledger;
ALTER TABLE stock_ledger_new RENAME TO stock_ledger;
CREATE INDEX stock_ledger_by_site ON stock_ledger (site_id, id);
CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'stock_ledger is append-only'); END;
CREATE TRIGGER stock_ledger_no_delete BEFORE DELETE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'stock_ledger is append-only'); END;

-- A rule an offline sale broke as of when it was made: recorded, flagged, resolved by a person.
CREATE TABLE sale_conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    sale_id     BIGINT NOT NULL REFERENCES sales (id),
    code        TEXT   NOT NULL CHECK (code IN ('over_quota', 'not_rotation_day', 'sales_halted', 'stock_short')),
    sold_at     TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    note        TEXT,
    UNIQUE (sale_id, code)
);
CREATE INDEX sale_conflicts_by_site ON sale_conflicts (site_id, resolved_at, id);
