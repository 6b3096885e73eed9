-- The read models (CQRS): derived from orders.events and inventory.events by the projections role,
-- read by the api. Nothing here is a source of truth: any of it can be rebuilt from the event topics
-- (orderflow-ctl rebuild-projections), which is also how a change to this file is deployed.
--
-- Names are unqualified on purpose: the same DDL creates `views` (by `orderflow-ctl migrate`) and a
-- fresh schema for a rebuild, run with search_path set to that schema.
--
-- Every write is guarded so that a duplicate or a replayed event changes nothing:
--   an order row only moves to an event with a higher `version`; a timeline entry is keyed by the
--   event id; stock moves only to a higher `sku_version`; sales change only with the order row's own
--   transition (CONFIRMED adds, CONFIRMED -> CANCELLED subtracts), so they inherit its guard.

-- One row per order, as its events tell it.
CREATE TABLE orders (
  order_id    uuid PRIMARY KEY,
  customer_id text   NOT NULL,
  cart_id     text,
  status      text   NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  reason      text,
  total_cents bigint NOT NULL,
  version     bigint NOT NULL,       -- the order's version in the last event applied
  placed_at   timestamptz NOT NULL,  -- occurred_at of OrderPlaced
  updated_at  timestamptz NOT NULL   -- occurred_at of the last event applied
);
-- A customer's orders, newest first (cursor: placed_at, order_id).
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at DESC, order_id DESC);

CREATE TABLE order_lines (
  order_id         uuid    NOT NULL,
  line_no          integer NOT NULL,
  sku              text    NOT NULL,
  quantity         integer NOT NULL,
  unit_price_cents bigint  NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

-- The timeline: every event about an order (orders.events and the inventory.events answering its
-- ReserveStock/ReleaseStock), once, with when it happened.
CREATE TABLE order_events (
  order_id    uuid NOT NULL,
  event_id    uuid NOT NULL,
  type        text NOT NULL,
  occurred_at timestamptz NOT NULL,
  detail      jsonb NOT NULL,  -- the event's payload
  PRIMARY KEY (order_id, event_id)
);

-- Stock per SKU as the events report it. inventory.events is keyed by order_id (by sku only for
-- adjustments), so a SKU's events arrive from several partitions, out of order: each column moves
-- only to a newer sku_version.
CREATE TABLE stock (
  sku               text PRIMARY KEY,
  available         bigint NOT NULL,
  available_version bigint NOT NULL,
  on_hand           bigint,          -- known once an adjustment (or refused one) was seen
  on_hand_version   bigint NOT NULL DEFAULT 0,
  updated_at        timestamptz NOT NULL
);

-- Sales per minute (of the event's occurred_at): confirmed orders minus cancelled confirmed orders.
CREATE TABLE sales_per_minute (
  minute        timestamptz PRIMARY KEY,
  orders        bigint NOT NULL DEFAULT 0,
  units         bigint NOT NULL DEFAULT 0,
  revenue_cents bigint NOT NULL DEFAULT 0
);
CREATE TABLE sku_sales_per_minute (
  minute        timestamptz NOT NULL,
  sku           text   NOT NULL,
  orders        bigint NOT NULL DEFAULT 0,  -- orders with a line of this sku
  units         bigint NOT NULL DEFAULT 0,
  revenue_cents bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, sku)
);

-- How far these views have read: per partition of each event topic (full name, with the prefix),
-- the next offset and the occurred_at of the newest event applied. Reads report it (freshness).
CREATE TABLE progress (
  topic         text    NOT NULL,
  partition     integer NOT NULL,
  next_offset   bigint  NOT NULL,
  last_event_at timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);
