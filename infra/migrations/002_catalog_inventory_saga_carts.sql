-- context: catalog
-- The catalog: prices always come from here, never from the client. Read by the api and the orders worker.
CREATE SCHEMA IF NOT EXISTS catalog;
CREATE TABLE catalog.products (
  sku         text PRIMARY KEY,
  name        text   NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents >= 0)
);

-- context: inventory
-- Inventory: the inventory worker is the only writer, and per SKU only the instance that owns the
-- SKU's partition of inventory.commands (guarantee 4). on_hand = available + reserved, always.
CREATE SCHEMA IF NOT EXISTS inventory;
CREATE TABLE inventory.stock (
  sku       text PRIMARY KEY,
  on_hand   bigint  NOT NULL CHECK (on_hand >= 0),
  available bigint  NOT NULL CHECK (available >= 0 AND available <= on_hand),
  version   integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One row per (order, sku), whatever happened: it makes a repeated ReserveStock a no-op, so an order
-- line can never hold two reservations.
CREATE TABLE inventory.reservations (
  order_id   uuid    NOT NULL,
  sku        text    NOT NULL,
  quantity   integer NOT NULL CHECK (quantity > 0),
  state      text    NOT NULL CHECK (state IN ('RESERVED', 'SHORT', 'RELEASED')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);
CREATE INDEX reservations_reserved_by_sku ON inventory.reservations (sku) WHERE state = 'RESERVED';

-- context: orders
-- The saga's view of each line: PENDING (ReserveStock sent) -> RESERVED | SHORT, and
-- RESERVED -> RELEASING (ReleaseStock sent) -> RELEASED.
ALTER TABLE orders.order_lines
  ADD COLUMN state text NOT NULL DEFAULT 'PENDING'
    CHECK (state IN ('PENDING', 'RESERVED', 'SHORT', 'RELEASING', 'RELEASED'));

-- context: carts
-- Carts: the carts worker is the only writer.
CREATE SCHEMA IF NOT EXISTS carts;
CREATE TABLE carts.carts (
  cart_id       text PRIMARY KEY,
  last_order_id uuid,
  version       integer NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE carts.cart_items (
  cart_id  text    NOT NULL REFERENCES carts.carts (cart_id),
  sku      text    NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (cart_id, sku)
);
