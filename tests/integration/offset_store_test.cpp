// The offsets a role stores in PostgreSQL with its state (guarantee 3) only ever move forward: a zombie's
// late batch cannot take the new owner's position back. A reset (replay) is a delete, not a store.
#include "orderflow/runtime/offset_store.hpp"

#include <gtest/gtest.h>

#include "orderflow/pg.hpp"
#include "pipeline.hpp"

using namespace orderflow;

TEST(OffsetStore, StoredOffsetsNeverMoveBackwards) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  auto conn = pg::connect(p.dsn());
  runtime::OffsetStore store(p.topic("orders"));
  const runtime::TopicPartition tp{p.topic("orders.commands"), 3};
  auto stored = [&] {
    pqxx::read_transaction tx(*conn);
    return store.load(tx, {tp});
  };
  {
    pqxx::work tx(*conn);
    store.store(tx, {{tp, 100}});
    tx.commit();
  }
  EXPECT_EQ(stored().at(tp), 100);
  {
    pqxx::work tx(*conn);  // a zombie's batch that started before the new owner's
    store.store(tx, {{tp, 40}});
    tx.commit();
  }
  EXPECT_EQ(stored().at(tp), 100);
  {
    pqxx::work tx(*conn);
    store.store(tx, {{tp, 101}});
    tx.commit();
  }
  EXPECT_EQ(stored().at(tp), 101);
  {
    pqxx::work tx(*conn);
    store.reset(tx, tp.first);
    tx.commit();
  }
  EXPECT_TRUE(stored().empty());
}
