-- context: runtime
-- Every order writes ~4 outbox rows and ~3 processed ids, each once inserted and (outbox) deleted: on
-- these hot tables each index costs CPU per row, and PostgreSQL is most of the pipeline's CPU.
-- The relay reads the outbox by (source, seq): that is now the primary key, instead of a key on seq
-- plus an index on (source, seq).
ALTER TABLE runtime.outbox DROP CONSTRAINT outbox_pkey;
DROP INDEX runtime.outbox_source_seq;
ALTER TABLE runtime.outbox ADD PRIMARY KEY (source, seq);
-- Only `orderflow-ctl prune-processed` reads processed_at, rarely: a scan will do.
DROP INDEX runtime.processed_messages_age;
-- context: inventory
-- Only `orderflow-ctl verify` reads reservations by sku, and it reads them all.
DROP INDEX inventory.reservations_reserved_by_sku;
-- context: runtime
-- The outbox is a queue: rows live for milliseconds. Vacuum it often so it does not bloat (it reached
-- 157 MB for ~10 k live rows under load with the defaults).
ALTER TABLE runtime.outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
                                autovacuum_vacuum_cost_delay = 0);
