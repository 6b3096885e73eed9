-- context: runtime
-- The consumer runtime's own state, shared by every worker role.
CREATE SCHEMA IF NOT EXISTS runtime;

-- Guarantee 3: the next offset to consume per (group, topic, partition), written in the SAME transaction
-- as the state change it reflects. On assignment a worker seeks here, not to Kafka's committed offsets.
CREATE TABLE runtime.consumer_offsets (
  group_id    text    NOT NULL,
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint  NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- Messages a transaction wants published (events, follow-up commands, dead letters). The relay of
-- `source` publishes them in seq order and deletes them after the broker acknowledged them.
CREATE TABLE runtime.outbox (
  seq        bigserial PRIMARY KEY,
  source     text  NOT NULL,          -- the worker role that wrote the row; one relay per source
  topic      text  NOT NULL,
  key        text  NOT NULL,
  payload    bytea NOT NULL,          -- bytes as published (a dead letter may not even be UTF-8)
  headers    jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_source_seq ON runtime.outbox (source, seq);

-- context: orders
-- Orders: the order worker is the only writer.
CREATE SCHEMA IF NOT EXISTS orders;

CREATE TABLE orders.orders (
  order_id        uuid PRIMARY KEY,
  customer_id     text NOT NULL,
  idempotency_key text NOT NULL,
  cart_id         text,
  status          text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  reason          text,
  total_cents     bigint,
  version         integer NOT NULL DEFAULT 1,  -- bumped on every change; events carry it
  placed_at       timestamptz NOT NULL,        -- when the api accepted the command
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_pending ON orders.orders (created_at) WHERE status = 'PENDING';

CREATE TABLE orders.order_lines (
  order_id         uuid    NOT NULL REFERENCES orders.orders (order_id),
  line_no          integer NOT NULL,
  sku              text    NOT NULL,
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint,
  PRIMARY KEY (order_id, line_no),
  UNIQUE (order_id, sku)
);
