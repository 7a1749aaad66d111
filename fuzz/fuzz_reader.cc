// Feeds arbitrary bytes (plain or gzip) to the CloudTrail reader with a plan
// that includes nested and whole-object paths. Any crash or sanitizer report
// is a bug: bad input must only ever produce diagnostics.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/cloudtrail_reader.h"

namespace {
class NullSink : public cirt::ingest::RecordSink {
 public:
  void OnRecord(const cirt::model::Event&, const cirt::model::FieldValues& v,
                const cirt::model::RecordOrigin&) override {
    for (size_t s = 0; s < v.size(); ++s) {
      for (const auto& x : v.at(static_cast<cirt::model::SlotId>(s))) sum += x.text.size();
    }
  }
  size_t sum = 0;
};
}  // namespace

// Two plans: one walks fields only, one also keeps each record's raw text
// (as keyword rules need); the input's size picks one, and whether a time
// window applies.
cirt::model::FieldPlan* MakePlan(bool raw) {
  auto* p = new cirt::model::FieldPlan();
  cirt::ingest::ModelSlots::Register(p);
  p->AddPath("requestParameters");
  p->AddPath("requestParameters.userName");
  p->AddPath("resources.ARN");
  p->set_needs_raw_record(raw);
  return p;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cirt::model::FieldPlan* plans[2] = {MakePlan(false), MakePlan(true)};
  static cirt::ingest::ModelSlots slots = [] {
    cirt::model::FieldPlan scratch;
    return cirt::ingest::ModelSlots::Register(&scratch);
  }();
  cirt::Diagnostics diag(nullptr, 0);
  cirt::ingest::CloudTrailReader reader(*plans[size % 2], slots, &diag);
  // Every third input also goes through a time window (records left at
  // their eventTime).
  if (size % 3 == 0) {
    reader.SetTimeWindow(int64_t{1700000000} * 1000000, int64_t{1800000000} * 1000000);
  }
  NullSink sink;
  reader.ReadBytes("fuzz.json", std::string_view(reinterpret_cast<const char*>(data), size), &sink);
  return 0;
}
