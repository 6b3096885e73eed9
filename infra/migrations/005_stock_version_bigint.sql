-- context: inventory
-- A SKU's version counts every change of its stock; an integer wraps after 2^31 of them (a hot SKU at
-- 1,000 changes a second gets there in 25 days) and the SKU's events then break their contract.
ALTER TABLE inventory.stock ALTER COLUMN version TYPE bigint;
