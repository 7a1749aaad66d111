// cirt: incident response for AWS. Builds the CLI and dispatches to the
// subcommand files; no parsing, AWS, or matching logic lives here.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"cirt: incident response for AWS (hunt CloudTrail with Sigma rules)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cirt 0.1.0"));
  std::vector<std::pair<CLI::App*, cirt::cli::Runner>> commands;
  cirt::cli::Runner hunt = cirt::cli::AddHunt(app);
  cirt::cli::Runner rules = cirt::cli::AddRules(app);
  cirt::cli::Runner verify = cirt::cli::AddVerify(app);
  cirt::cli::Runner collect = cirt::cli::AddCollect(app);
  cirt::cli::Runner kase = cirt::cli::AddCase(app);
  cirt::cli::Runner timeline = cirt::cli::AddTimeline(app);
  cirt::cli::Runner pivot = cirt::cli::AddPivot(app);
  cirt::cli::Runner scope = cirt::cli::AddScope(app);
  cirt::cli::Runner respond = cirt::cli::AddRespond(app);
  cirt::cli::Runner report = cirt::cli::AddReport(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? cirt::cli::kExitOk : cirt::cli::kExitUsage;
  }
  if (app.got_subcommand("hunt")) return hunt();
  if (app.got_subcommand("rules")) return rules();
  if (app.got_subcommand("verify")) return verify();
  if (app.got_subcommand("collect")) return collect();
  if (app.got_subcommand("case")) return kase();
  if (app.got_subcommand("timeline")) return timeline();
  if (app.got_subcommand("pivot")) return pivot();
  if (app.got_subcommand("scope")) return scope();
  if (app.got_subcommand("respond")) return respond();
  if (app.got_subcommand("report")) return report();
  return cirt::cli::kExitUsage;
}
