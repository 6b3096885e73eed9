-- context: runtime
-- The outbox becomes append-only (issue 11): a row was inserted and then deleted by the relay, 2 of the
-- ~19 row writes of a decided order per message. Now the relay keeps a cursor per source instead of
-- deleting, and old rows go a whole partition at a time (TRUNCATE writes no row).
--
-- The cursor is the position (xid, seq) of the last row published. Rows are published in that order,
-- and only rows whose transaction is below the oldest running one (pg_snapshot_xmin): no transaction
-- can commit a row below that horizon any more, so the cursor never steps over a row that commits late.
-- A cursor on seq alone would: seq is drawn before commit, so a slow transaction's row can appear
-- behind a cursor that already passed its number. Transactions that follow each other (the same key's
-- messages: one owner at a time) get increasing xids, so per-key order is kept.
--
-- Two partitions by `generation`; writers insert into the current one (runtime.outbox_generation). The
-- relay's housekeeping switches the current generation and empties the other one by TRUNCATE once every
-- row in it is published (checked under the TRUNCATE's own lock, so no writer can add to it meanwhile).
CREATE TABLE runtime.outbox_generation (
  only_row   boolean  PRIMARY KEY DEFAULT true CHECK (only_row),
  current    smallint NOT NULL CHECK (current IN (0, 1)),
  switched_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO runtime.outbox_generation (current) VALUES (0);

CREATE TABLE runtime.outbox_log (
  generation smallint NOT NULL,
  xid        xid8     NOT NULL DEFAULT pg_current_xact_id(),
  seq        bigint   NOT NULL,
  source     text     NOT NULL,          -- the worker role that wrote the row; one relay per source
  topic      text     NOT NULL,
  key        text     NOT NULL,
  payload    bytea    NOT NULL,          -- bytes as published (a dead letter may not even be UTF-8)
  headers    jsonb    NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY LIST (generation);
CREATE TABLE runtime.outbox_generation_0 PARTITION OF runtime.outbox_log FOR VALUES IN (0);
CREATE TABLE runtime.outbox_generation_1 PARTITION OF runtime.outbox_log FOR VALUES IN (1);
CREATE INDEX outbox_log_position ON runtime.outbox_log (source, xid, seq);

-- The position of the last published row, per source. Written once per relay round.
CREATE TABLE runtime.outbox_relayed (
  source text   PRIMARY KEY,
  xid    xid8   NOT NULL,
  seq    bigint NOT NULL
);

-- Rows not yet published when this migration ran keep their order and go first: xid 3 is below every
-- transaction id (0-2 are reserved), and their seq keeps their order among themselves.
INSERT INTO runtime.outbox_log (generation, xid, seq, source, topic, key, payload, headers, created_at)
SELECT 0, '3'::xid8, seq, source, topic, key, payload, headers, created_at FROM runtime.outbox;
CREATE SEQUENCE runtime.outbox_log_seq;
SELECT setval('runtime.outbox_log_seq', coalesce((SELECT max(seq) FROM runtime.outbox), 0) + 1, false);
ALTER TABLE runtime.outbox_log ALTER COLUMN seq SET DEFAULT nextval('runtime.outbox_log_seq');
DROP TABLE runtime.outbox;
ALTER TABLE runtime.outbox_log RENAME TO outbox;
ALTER SEQUENCE runtime.outbox_log_seq RENAME TO outbox_seq;

-- What waits to be published: what tests, the bench and operators mean by "the outbox is empty".
CREATE VIEW runtime.outbox_pending AS
SELECT o.* FROM runtime.outbox o LEFT JOIN runtime.outbox_relayed r ON r.source = o.source
WHERE r.source IS NULL OR (o.xid, o.seq) > (r.xid, r.seq);

-- After a restore (infra/backup.sh runs it, with the pipeline stopped): the dump's xids come from another
-- cluster's counter, which may be ahead of this one's. Rows already published go; the rest get xid 3,
-- so they are published first, in seq order (their order among themselves), and every cursor restarts
-- before them. Without it, a cursor from a cluster further ahead would skip this cluster's new rows.
CREATE FUNCTION runtime.outbox_rebase() RETURNS bigint LANGUAGE sql AS $$
  DELETE FROM runtime.outbox o USING runtime.outbox_relayed r
   WHERE o.source = r.source AND (o.xid, o.seq) <= (r.xid, r.seq);
  UPDATE runtime.outbox SET xid = '3'::xid8 WHERE xid <> '3'::xid8;
  UPDATE runtime.outbox_relayed SET xid = '3'::xid8, seq = 0;
  SELECT count(*) FROM runtime.outbox;
$$;
