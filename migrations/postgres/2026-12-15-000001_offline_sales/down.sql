DROP TABLE sale_conflicts;
ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_entry_check;
ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_entry_check
    CHECK (entry IN ('stock_in', 'sale', 'void'));
ALTER TABLE sales DROP COLUMN offline;
