-- Sales made while the counter was cut off from the server, entered later.
ALTER TABLE sales ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;

-- A `shortfall` entry puts back what an offline sale took beyond the stock on hand, so the
-- ledger still sums to on-hand.
ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_entry_check;
ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_entry_check
    CHECK (entry IN ('stock_in', 'sale', 'void', 'shortfall'));

-- A rule an offline sale broke as of when it was made: recorded, flagged, resolved by a person.
CREATE TABLE sale_conflicts (
    id          BIGSERIAL PRIMARY KEY,
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
