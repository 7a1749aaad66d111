// `cirt hunt`: flags -> detect::HuntOptions -> detect::Hunt -> report writers.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli/anomaly_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_line.h"
#include "cli/rule_flags.h"
#include "cli/time_flags.h"
#include "core/diagnostics.h"
#include "detect/hunt.h"
#include "detect/sigma/rule.h"
#include "model/event.h"
#include "report/writer.h"

namespace cirt::cli {

namespace {

struct HuntFlags {
  std::vector<std::string> inputs;
  std::vector<std::string> rules;
  bool no_builtin = false;
  std::string format = "table";
  std::string output;
  unsigned jobs = 0;
  size_t max_memory_mb = 1024;
  std::string level;
  std::vector<std::string> vars;
  std::string start, end;
  bool no_color = false;
  bool quiet = false;
  AnomalyFlags anomaly;
};

int RunHunt(const HuntFlags& f) {
  auto format = report::ParseFormat(f.format);
  if (!format.ok()) {
    std::fprintf(stderr, "cirt: %s\n", std::string(format.status().message()).c_str());
    return kExitUsage;
  }
  detect::HuntOptions options;
  options.inputs = f.inputs;
  options.rule_paths = f.rules;
  options.builtin_rules = !f.no_builtin;
  options.jobs = f.jobs;
  options.memory_budget = f.max_memory_mb << 20;
  if (!f.level.empty()) {
    options.min_level = model::ParseLevel(f.level);
    if (!options.min_level) {
      std::fprintf(stderr, "cirt: unknown level '%s'\n", f.level.c_str());
      return kExitUsage;
    }
  }
  if (!AddRuleVars(f.vars, &options.load)) return kExitUsage;
  if (!ParseTimeFlags(f.start, f.end, &options.start_us, &options.end_us)) return kExitUsage;
  if (options.start_us && options.end_us && *options.start_us >= *options.end_us) {
    std::fprintf(stderr, "cirt: --start must be before --end\n");
    return kExitUsage;
  }

  bool usage_error = false;
  options.anomalies = AnomalyOptionsFromFlags(f.anomaly, &usage_error);
  if (usage_error) return kExitUsage;

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  if (!f.output.empty() && f.output != "-") {
    file.reset(std::fopen(f.output.c_str(), "wb"));
    if (!file) {
      std::fprintf(stderr, "cirt: cannot write %s\n", f.output.c_str());
      return kExitUsage;
    }
    out = file.get();
  }

  Diagnostics diagnostics(stderr);
  detect::Progress progress;
  Result<detect::HuntResult> result = Status::Internal("not run");
  {
    std::unique_ptr<ProgressLine> line;
    if (!f.quiet && isatty(STDERR_FILENO)) {
      line = std::make_unique<ProgressLine>([&progress](double secs) {
        double mb = static_cast<double>(progress.bytes_done.load()) / 1e6;
        double total = static_cast<double>(progress.bytes_total) / 1e6;
        double rate = secs > 0 ? mb / secs : 0;
        double eta = rate > 0 ? (total - mb) / rate : 0;
        return fmt::format("files {}/{}  {:.1f}/{:.1f} MB read  {:.0f} MB/s  ETA {:.0f}s",
                           progress.files_done.load(), progress.files_total, mb, total, rate,
                           eta);
      });
    }
    result = detect::Hunt(options, &diagnostics, &progress);
  }
  if (!result.ok()) {
    std::fprintf(stderr, "cirt: %s\n", result.status().ToString().c_str());
    // Rules that do not load are usage; a temporary file of matches that
    // cannot be read back (past --max-memory) is a failure.
    const ErrorCode code = result.status().code();
    return code == ErrorCode::kIo || code == ErrorCode::kCorrupt ? kExitFailed : kExitUsage;
  }
  detect::HuntResult& r = *result;
  report::WriterOptions wopts;
  wopts.color = out == stdout && isatty(STDOUT_FILENO) && !f.no_color && !std::getenv("NO_COLOR");
  if (const char* cols = std::getenv("COLUMNS")) wopts.width = std::max(100, std::atoi(cols));
  // The csv gets an evidence column when some detection can carry evidence.
  wopts.evidence_column = r.may_have_evidence;
  auto writer = report::MakeDetectionWriter(*format, out, wopts);
  report::DetectionSummary summary;
  Status written = r.ForEach([&](const model::Detection& d) {
    writer->Write(d);
    summary.Add(d);
  });
  writer->Finish();
  if (!written.ok()) {
    std::fprintf(stderr, "cirt: %s\n", written.ToString().c_str());
    return kExitFailed;
  }
  if (*format == report::Format::kTable) {
    summary.Write(out, wopts);
  } else if (!f.quiet) {
    summary.Write(stderr, report::WriterOptions{});
  }
  const auto& s = r.stats;
  if (!f.quiet) {
    double mb = static_cast<double>(s.bytes_json) / 1e6;
    std::fprintf(stderr,
                 "%s",
                 fmt::format("cirt: {} rules, {} correlation rules ({} other logsource, {} "
                             "failed); "
                             "{} files, {} records, {:.1f} MB JSON in {:.2f}s ({:.0f} MB/s, {:.0f} "
                             "events/s); skipped: {} files, {} partial files, {} records, {} "
                             "digest files, {} evidence snapshots (findings, IAM, EC2), {} repeated detections "
                             "(an eventID seen twice)\n",
                             r.rules.loaded, r.rules.correlation, r.rules.other_logsource,
                             r.rules.errors, s.files, s.records, mb, r.seconds,
                             r.seconds > 0 ? mb / r.seconds : 0,
                             r.seconds > 0 ? static_cast<double>(s.records) / r.seconds : 0,
                             s.files_skipped, s.files_partial, s.records_skipped, s.digest_files,
                             r.snapshot_files, r.repeated)
                     .c_str());
    if (options.start_us || options.end_us) {
      std::fprintf(stderr, "%s",
                   fmt::format("cirt: time window {} to {}: {} log files delivered before it not "
                               "read, {} records outside it\n",
                               options.start_us ? model::FormatUtcTimestamp(*options.start_us) : "-",
                               options.end_us ? model::FormatUtcTimestamp(*options.end_us) : "-",
                               r.files_before_start, s.records_outside)
                       .c_str());
    }
    if (r.baseline_end_us) {
      std::fprintf(stderr, "cirt: anomalies: baseline ends %s\n",
                   model::FormatUtcTimestamp(*r.baseline_end_us).c_str());
    }
  }
  if (r.rules.errors > 0) return kExitUsage;
  if (s.any_skipped() || r.input_errors > 0) return kExitInputSkipped;
  return kExitOk;
}

}  // namespace

Runner AddHunt(CLI::App& app) {
  auto flags = std::make_shared<HuntFlags>();
  CLI::App* cmd = app.add_subcommand("hunt", "Run Sigma rules over CloudTrail logs");
  cmd->add_option("paths", flags->inputs,
                  "CloudTrail files or folders (S3 objects, JSON arrays, JSON Lines, "
                  "lookup-events output; plain or gzip)")
      ->required();
  // One value per occurrence, so `--rules DIR PATH` leaves PATH to the inputs.
  cmd->add_option("--rules,-r", flags->rules, "Sigma rule file or folder (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-builtin-rules", flags->no_builtin, "Do not run cirt's built-in rule pack");
  cmd->add_option("--format,-f", flags->format, "table, jsonl, json, csv or timesketch")
      ->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write detections to FILE instead of stdout");
  cmd->add_option("--jobs,-j", flags->jobs, "Threads (default: all cores)");
  cmd->add_option("--max-memory", flags->max_memory_mb,
                  "MB the detections may take in memory before they go to temporary files "
                  "(default 1024; 0: no limit)");
  cmd->add_option("--level", flags->level, "Only report detections at or above this level");
  cmd->add_option("--var", flags->vars,
                  "Values for a rule placeholder (%NAME%) used with |expand: NAME=V1,V2")
      ->allow_extra_args(false);
  cmd->add_option("--start", flags->start,
                  "Only events from this UTC time (2024-05-01 or 2024-05-01T13:00:00Z); "
                  "log files delivered before it are not read");
  cmd->add_option("--end", flags->end, "Only events before this UTC time");
  AddAnomalyFlags(cmd, &flags->anomaly);
  cmd->add_flag("--no-color", flags->no_color, "No colours in the table");
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress, summary or statistics on stderr");
  return [flags] { return RunHunt(*flags); };
}

}  // namespace cirt::cli
