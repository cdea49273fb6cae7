DROP TABLE sale_conflicts;
CREATE TABLE stock_ledger_old (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO stock_ledger_old SELECT * FROM stock_ledger WHERE entry <> 'shortfall';
DROP TABLE stock_ledger;
ALTER TABLE stock_ledger_old RENAME TO stock_ledger;
CREATE INDEX stock_ledger_by_site ON stock_ledger (site_id, id);
CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'stock_ledger is append-only'); END;
CREATE TRIGGER stock_ledger_no_delete BEFORE DELETE ON stock_ledger
BEGIN SELECT RAISE(ABORT, 'stock_ledger is append-only'); END;
ALTER TABLE sales DROP COLUMN offline;
