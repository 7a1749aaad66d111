// `cirt report --case DIR --out FILE`: the post-incident report of a case
// (investigate::BuildIncidentReport -> report::WriteIncidentReport).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/diagnostics.h"
#include "investigate/incident.h"
#include "report/incident_report.h"
#include "store/case.h"

namespace cirt::cli {

namespace {

struct ReportFlags {
  std::string case_dir, out, format, incident_level = "medium";
};

int RunReport(const ReportFlags& f) {
  // The format: --format, else the extension of --out.
  report::IncidentFormat format = report::IncidentFormat::kHtml;
  if (!f.format.empty()) {
    auto parsed = report::ParseIncidentFormat(f.format);
    if (!parsed.ok()) {
      std::fprintf(stderr, "cirt: %s\n", std::string(parsed.status().message()).c_str());
      return kExitUsage;
    }
    format = *parsed;
  } else if (auto by_name = report::IncidentFormatForPath(f.out)) {
    format = *by_name;
  } else {
    std::fprintf(stderr,
                 "cirt: cannot tell the format of %s: name it .html or .md, or give --format "
                 "html|md\n",
                 f.out.c_str());
    return kExitUsage;
  }
  investigate::IncidentOptions options;
  auto level = model::ParseLevel(f.incident_level);
  if (!level) {
    std::fprintf(stderr, "cirt: unknown level '%s' (informational, low, medium, high, critical)\n",
                 f.incident_level.c_str());
    return kExitUsage;
  }
  options.report.incident_level = *level;

  auto kase = store::Case::Open(f.case_dir);
  if (!kase.ok()) {
    std::fprintf(stderr, "cirt: %s\n", kase.status().ToString().c_str());
    return kase.status().code() == ErrorCode::kIo ? kExitFailed : kExitUsage;
  }
  Diagnostics diagnostics(stderr);
  auto built = investigate::BuildIncidentReport(*kase, options, &diagnostics);
  if (!built.ok()) {
    std::fprintf(stderr, "cirt: %s\n", built.status().ToString().c_str());
    return kExitFailed;
  }
  Status written = report::WriteIncidentReport(*built, format, f.out);
  if (!written.ok()) {
    std::fprintf(stderr, "cirt: %s\n", written.ToString().c_str());
    return kExitFailed;
  }
  const report::IncidentReport& r = *built;
  std::fprintf(stderr,
               "cirt: wrote %s (%llu events, %llu detections, %llu alerts, %zu response steps)\n",
               f.out.c_str(), static_cast<unsigned long long>(r.event_count),
               static_cast<unsigned long long>(r.detection_count),
               static_cast<unsigned long long>(r.alert_count), r.actions.size());
  // A response journal that did not verify was read only up to its break.
  return diagnostics.warnings() > 0 ? kExitInputSkipped : kExitOk;
}

}  // namespace

Runner AddReport(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write the post-incident report of a case (self-contained HTML or Markdown)");
  cmd->add_option("--case", f->case_dir, "Case folder (cirt case init)")->required();
  cmd->add_option("--out,-o", f->out,
                  "Report file: FILE.html or FILE.md (- for stdout, with --format)")
      ->required();
  cmd->add_option("--format,-f", f->format, "html or md (default: from the --out extension)");
  cmd->add_option("--incident-level", f->incident_level,
                  "Detections at this level and above make indicators, flagged identities and "
                  "the key timeline")
      ->capture_default_str();
  return [f] { return RunReport(*f); };
}

}  // namespace cirt::cli
