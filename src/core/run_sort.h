// src/core/run_sort.h
// Sorting input that is mostly a few sorted runs end to end, as a hunt's
// detections are (each file's records come in time order, files follow each
// other): the runs are found and merged pairwise, which costs a few
// sequential passes instead of a quicksort's unpredictable comparisons.
// Input with many short runs is handed to std::sort.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace cirt {

// Sorts `items` by `less` (a strict weak order). Not stable.
template <typename T, typename Less>
void SortRuns(std::vector<T>* items, Less less) {
  const size_t n = items->size();
  if (n < 2) return;
  // Run boundaries: bounds[i] .. bounds[i + 1] is ascending.
  std::vector<size_t> bounds{0};
  for (size_t i = 1; i < n; ++i) {
    if (less((*items)[i], (*items)[i - 1])) bounds.push_back(i);
  }
  bounds.push_back(n);
  const size_t runs = bounds.size() - 1;
  if (runs == 1) return;
  if (runs > n / 32) {  // short runs: nothing to gain over a quicksort
    std::sort(items->begin(), items->end(), less);
    return;
  }
  std::vector<T> buffer(n);
  std::vector<T>* from = items;
  std::vector<T>* to = &buffer;
  while (bounds.size() > 2) {
    std::vector<size_t> merged{0};
    for (size_t r = 0; r + 1 < bounds.size(); r += 2) {
      auto first = from->begin() + static_cast<std::ptrdiff_t>(bounds[r]);
      auto mid = from->begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]);
      const size_t end = r + 2 < bounds.size() ? bounds[r + 2] : bounds[r + 1];
      auto last = from->begin() + static_cast<std::ptrdiff_t>(end);
      std::merge(first, mid, mid, last, to->begin() + static_cast<std::ptrdiff_t>(bounds[r]), less);
      merged.push_back(end);
    }
    bounds = std::move(merged);
    std::swap(from, to);
  }
  if (from != items) *items = std::move(*from);
}

}  // namespace cirt
