// report_fixture OUT_PREFIX INPUT...: builds the incident report of a hunt
// over real CloudTrail files (the built-in pack and SigmaHQ's AWS rules),
// without a case, and writes OUT_PREFIX.html and OUT_PREFIX.md. It lets
// the headless-Chromium test check the renderer on real evidence
// independently of the case store; `cirt report --case` is tested on its
// own in tests/report/.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "detect/hunt.h"
#include "ingest/cloudtrail_reader.h"
#include "io/file.h"
#include "report/incident_report.h"

namespace {

class BuilderSink : public cirt::ingest::RecordSink {
 public:
  explicit BuilderSink(cirt::report::IncidentReportBuilder* builder) : builder_(builder) {}
  void OnRecord(const cirt::model::Event& event, const cirt::model::FieldValues&,
                const cirt::model::RecordOrigin&) override {
    builder_->AddEvent(event);
  }

 private:
  cirt::report::IncidentReportBuilder* builder_;
};

bool Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: report_fixture OUT_PREFIX INPUT...\n");
    return 2;
  }
  const std::string prefix = argv[1];
  cirt::detect::HuntOptions options;
  for (int i = 2; i < argc; ++i) options.inputs.push_back(argv[i]);
  options.rule_paths.push_back(std::string(CIRT_CORPUS_DIR) + "/sigmahq-sigma");
  options.jobs = 1;
  cirt::Diagnostics diagnostics(stderr);
  auto hunt = cirt::detect::Hunt(options, &diagnostics);
  if (!hunt.ok()) {
    std::fprintf(stderr, "report_fixture: %s\n", hunt.status().ToString().c_str());
    return 1;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  cirt::report::IncidentReportBuilder builder("report_fixture");
  for (const cirt::model::Detection* d : hunt->detections) builder.AddDetection(*d, now);

  cirt::model::FieldPlan plan;
  const auto slots = cirt::ingest::ModelSlots::Register(&plan);
  cirt::ingest::CloudTrailReader reader(plan, slots, &diagnostics);
  BuilderSink sink(&builder);
  std::vector<cirt::Status> errors;
  for (const auto& file : cirt::io::ExpandInputs(options.inputs, &errors)) {
    reader.ReadFile(file.path, &sink);
  }
  const cirt::report::IncidentReport report = builder.Finish(now);
  if (!Write(prefix + ".html", cirt::report::RenderHtml(report)) ||
      !Write(prefix + ".md", cirt::report::RenderMarkdown(report))) {
    std::fprintf(stderr, "report_fixture: cannot write %s.{html,md}\n", prefix.c_str());
    return 1;
  }
  std::printf("%llu events, %llu detections\n",
              static_cast<unsigned long long>(report.event_count),
              static_cast<unsigned long long>(report.detection_count));
  return 0;
}
