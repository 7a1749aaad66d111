// `cirt verify DIR`: flags -> collect::VerifyTrailFolder / VerifyManifest ->
// report::VerifyWriter. Exit 0 only when everything verifies.
#include "collect/verify.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "collect/manifest.h"
#include "report/verify_writer.h"

namespace cirt::cli {

namespace {

struct VerifyFlags {
  std::string dir;
  std::vector<std::string> public_keys;
  bool manifest = false;
  std::string format = "table";
  bool valid_rows = false;
};

int RunVerify(const VerifyFlags& f) {
  auto format = report::ParseFormat(f.format);
  if (!format.ok()) {
    std::fprintf(stderr, "cirt: %s\n", std::string(format.status().message()).c_str());
    return kExitUsage;
  }
  if (f.manifest && !f.public_keys.empty()) {
    std::fprintf(stderr, "cirt: --public-key applies to digest validation, not --manifest\n");
    return kExitUsage;
  }
  report::WriterOptions wopts;
  wopts.color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  auto writer = report::MakeVerifyWriter(*format, stdout, wopts);
  if (!writer.ok()) {
    std::fprintf(stderr, "cirt: %s\n", std::string(writer.status().message()).c_str());
    return kExitUsage;
  }
  Result<collect::VerifyResult> result = f.manifest
                                             ? collect::VerifyManifest(f.dir)
                                             : collect::VerifyTrailFolder({f.dir, f.public_keys});
  if (!result.ok()) {
    std::fprintf(stderr, "cirt: %s\n", result.status().ToString().c_str());
    return kExitUsage;
  }
  // The table lists problems and notices (valid rows only with --all);
  // JSONL lists every check.
  bool all_rows = f.valid_rows || *format != report::Format::kTable;
  for (const collect::Finding& finding : result->findings) {
    if (finding.verdict == collect::Verdict::kValid && !all_rows) continue;
    (*writer)->Write({collect::CheckKindName(finding.kind), collect::VerdictName(finding.verdict),
                      collect::IsFailure(finding.verdict), finding.location, finding.path,
                      finding.detail});
  }
  const collect::VerifyTotals& t = result->totals;
  std::vector<report::VerifyCount> counts = {{"digest files", t.digests_valid, t.digests},
                                             {"log files", t.log_files_valid, t.log_files},
                                             {"files", t.files_valid, t.files}};
  (*writer)->Finish(counts, t.failures);
  if (*format != report::Format::kTable) {
    std::fprintf(stderr, "cirt: %s\n",
                 fmt::format("{}/{} digest files, {}/{} log files, {}/{} files valid; {} "
                             "problem(s), {} notice(s)",
                             t.digests_valid, t.digests, t.log_files_valid, t.log_files,
                             t.files_valid, t.files, t.failures, t.notices)
                     .c_str());
  }
  return result->ok() ? kExitOk : kExitInputSkipped;
}

}  // namespace

Runner AddVerify(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Validate CloudTrail digests and log files offline in a collected folder (or, with "
      "--manifest, the folder against cirt collect's manifest). Exit 0 only when all verifies");
  cmd->add_option("dir", flags->dir, "Folder holding the trail bucket layout (cirt collect --out)")
      ->required();
  cmd->add_option("--public-key", flags->public_keys,
                  "CloudTrail public key: PEM, base64 DER (ListPublicKeys Value), DER, or "
                  "ListPublicKeys JSON (repeatable; added to DIR/public-keys.json)")
      ->allow_extra_args(false);
  cmd->add_flag("--manifest", flags->manifest,
                "Check the files against DIR/manifest.json (hash chain, SHA-256, size)");
  cmd->add_option("--format,-f", flags->format, "table or jsonl")->capture_default_str();
  cmd->add_flag("--all", flags->valid_rows, "Table: list valid checks too");
  return [flags] { return RunVerify(*flags); };
}

}  // namespace cirt::cli
