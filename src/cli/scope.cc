// `cirt scope --case DIR FINDING|KEY|ARN`: investigate::Scope -> rows.
#include "investigate/scope.h"

#include "cli/case_output.h"
#include "cli/commands.h"
#include "investigate/rows.h"

namespace cirt::cli {

namespace {

struct ScopeFlags {
  CaseOutputFlags output;
  std::string seed;
};

int RunScope(const ScopeFlags& f) {
  int rc = kExitOk;
  CaseOutput out;
  if (!out.Open(f.output, &rc)) return rc;
  auto result = investigate::Scope(*out.kase, f.seed);
  if (!result.ok()) return QueryFailed(result.status());
  auto writer =
      report::MakeRowWriter(out.format, out.out, investigate::ScopeSchema(), out.writer_options);
  for (const auto& e : *result) writer->Write(investigate::ScopeCells(e));
  writer->Finish();
  return kExitOk;
}

}  // namespace

Runner AddScope(CLI::App& app) {
  auto f = std::make_shared<ScopeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "scope", "The containment closure of a compromise, as response playbook inputs");
  f->output.Register(cmd);
  cmd->add_option("seed", f->seed, "Finding id, access key id, or principal/role ARN")->required();
  return [f] { return RunScope(*f); };
}

}  // namespace cirt::cli
