#include "core/run_sort.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

namespace cirt {
namespace {

using Item = std::pair<int, int>;  // (key, tag): only the key is compared
bool ByKey(const Item& a, const Item& b) { return a.first < b.first; }

// The keys in order, and every item kept (as a multiset).
void ExpectSortedPermutation(std::vector<Item> sorted, std::vector<Item> original) {
  for (size_t i = 1; i < sorted.size(); ++i) {
    ASSERT_LE(sorted[i - 1].first, sorted[i].first) << "at " << i;
  }
  std::sort(sorted.begin(), sorted.end());
  std::sort(original.begin(), original.end());
  EXPECT_EQ(sorted, original);
}

TEST(SortRuns, MergesConcatenatedSortedRuns) {
  // 37 runs of different lengths, overlapping ranges, with repeated keys:
  // few runs, so they are merged rather than quicksorted.
  std::mt19937 rng(7);
  std::vector<Item> items;
  int tag = 0;
  for (int run = 0; run < 37; ++run) {
    const int len = 50 + static_cast<int>(rng() % 400);
    int key = static_cast<int>(rng() % 1000);
    for (int i = 0; i < len; ++i) {
      key += static_cast<int>(rng() % 3);  // steps of 0 repeat a key
      items.push_back({key, tag++});
    }
  }
  std::vector<Item> sorted = items;
  SortRuns(&sorted, ByKey);
  ExpectSortedPermutation(sorted, items);
}

TEST(SortRuns, SortsRandomInput) {
  std::mt19937 rng(11);
  std::vector<Item> items;
  for (int i = 0; i < 5000; ++i) items.push_back({static_cast<int>(rng() % 100), i});
  std::vector<Item> sorted = items;
  SortRuns(&sorted, ByKey);
  ExpectSortedPermutation(sorted, items);
}

TEST(SortRuns, EdgeCases) {
  std::vector<Item> empty;
  SortRuns(&empty, ByKey);
  EXPECT_TRUE(empty.empty());

  std::vector<Item> one{{5, 0}};
  SortRuns(&one, ByKey);
  EXPECT_EQ(one, (std::vector<Item>{{5, 0}}));

  std::vector<Item> ascending{{1, 0}, {2, 1}, {2, 2}, {3, 3}};
  SortRuns(&ascending, ByKey);
  EXPECT_EQ(ascending, (std::vector<Item>{{1, 0}, {2, 1}, {2, 2}, {3, 3}}));

  // Two runs (an odd count of runs is also merged: here three).
  std::vector<Item> three;
  for (int r = 0; r < 3; ++r) {
    for (int i = 0; i < 100; ++i) three.push_back({i * 3 + r, r * 100 + i});
  }
  std::vector<Item> sorted = three;
  SortRuns(&sorted, ByKey);
  ExpectSortedPermutation(sorted, three);
  EXPECT_EQ(sorted.front().first, 0);
  EXPECT_EQ(sorted.back().first, 299);
}

}  // namespace
}  // namespace cirt
