// src/detect/sigma/matcher.h
// The compiled form of a set of Sigma rules. Compilation turns every value
// test into a predicate on one field slot and indexes predicates per slot:
// exact values in hash maps, wildcard/contains/prefix/suffix values of a
// slot in one vectorscan database (all literals matched in one scan), and
// regular expressions (RE2), CIDR, numeric and time tests beside them. A
// record's fields are read once (FieldPlan), each slot is matched once for
// all rules, and only rules whose necessary predicates fired are evaluated.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detect/sigma/rule.h"
#include "model/fields.h"

namespace cirt::detect::sigma {

class Matcher {
 public:
  // Per-thread matching state. Create one per thread with NewScratch().
  class Scratch;
  struct ScratchDeleter {
    void operator()(Scratch* s) const;
  };
  using ScratchPtr = std::unique_ptr<Scratch, ScratchDeleter>;

  // Compiles `rules`, adding the fields they use to `plan`. A rule that does
  // not compile (bad regex, bad CIDR, ...) is left out and reported in
  // `errors` as a kError outcome naming its file.
  static std::unique_ptr<Matcher> Compile(std::vector<Rule> rules, model::FieldPlan* plan,
                                          std::vector<LoadOutcome>* errors);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  ScratchPtr NewScratch() const;

  // Sets `*matched` to the indexes (ascending) of the rules whose detection
  // condition is true for the record in `values`. Thread-safe with one
  // Scratch per thread. REQUIRES: `values` was filled using the plan given
  // to Compile (after Compile returned).
  void Match(const model::FieldValues& values, Scratch* scratch,
             std::vector<uint32_t>* matched) const;

  size_t rule_count() const;
  const Rule& rule(size_t index) const;
  size_t predicate_count() const;

 private:
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirt::detect::sigma
