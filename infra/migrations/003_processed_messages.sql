-- context: runtime
-- Guarantee 3, whatever the offsets say: the ids of the messages each consumer group has applied.
-- A message seen again (a replay from an earlier offset, a command or event published twice) is
-- skipped, in the same transaction that would have applied it. Commands like AdjustStock or a
-- second CancelOrder are not idempotent by themselves; with this they need not be.
CREATE TABLE runtime.processed_messages (
  group_id     text NOT NULL,
  message_id   uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, message_id)
);
CREATE INDEX processed_messages_age ON runtime.processed_messages (processed_at);
