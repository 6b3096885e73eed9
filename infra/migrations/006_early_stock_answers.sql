-- context: orders
-- An inventory answer (StockReserved/Short/Released) that reaches the orders worker before the order
-- it answers: after a restore or a replay the two topics are re-read from different points, so an
-- answer can come first. It waits here until PlaceOrder creates the order, then is applied. Dropping it
-- (as before) left the order PENDING for ever: its ReserveStock was a duplicate for inventory.
CREATE TABLE orders.early_stock_answers (
  order_id    uuid    NOT NULL,
  sku         text    NOT NULL,
  type        text    NOT NULL CHECK (type IN ('StockReserved', 'StockShort', 'StockReleased')),
  quantity    integer NOT NULL,
  available   bigint  NOT NULL,
  sku_version bigint  NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku, type)
);
