#include "model/fields.h"

#include <gtest/gtest.h>

namespace cirt::model {
namespace {

TEST(FieldPlan, SharesPrefixesAndReusesSlots) {
  FieldPlan plan;
  SlotId a = plan.AddPath("userIdentity.arn");
  SlotId b = plan.AddPath("userIdentity.sessionContext.sessionIssuer.arn");
  SlotId c = plan.AddPath("userIdentity.arn");
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  EXPECT_EQ(plan.slot_count(), 2u);
  EXPECT_EQ(plan.FindPath("userIdentity.arn"), a);
  EXPECT_EQ(plan.FindPath("userIdentity"), -1);  // an inner node, no slot
  EXPECT_EQ(plan.FindPath("nope"), -1);
  const auto* ui = plan.FindChild(plan.root(), "userIdentity");
  ASSERT_NE(ui, nullptr);
  EXPECT_EQ(ui->children.size(), 2u);
}

TEST(FieldPlan, ManyChildrenStayFindable) {
  FieldPlan plan;
  for (int i = 0; i < 200; ++i) plan.AddPath("k" + std::to_string(i));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(plan.FindPath("k" + std::to_string(i)), i);
}

}  // namespace
}  // namespace cirt::model
