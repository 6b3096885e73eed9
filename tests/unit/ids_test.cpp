#include <gtest/gtest.h>

#include "orderflow/ids.hpp"

TEST(Ids, OrderIdIsDeterministic) {
  EXPECT_EQ(orderflow::order_id_for("c1", "k1"), orderflow::order_id_for("c1", "k1"));
}
