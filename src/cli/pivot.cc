// `cirt pivot --case DIR KEY|ARN|IP|SESSION`: investigate::Pivot -> rows.
#include "investigate/pivot.h"

#include "cli/case_output.h"
#include "cli/commands.h"
#include "investigate/rows.h"

namespace cirt::cli {

namespace {

struct PivotFlags {
  CaseOutputFlags output;
  std::string subject;
};

int RunPivot(const PivotFlags& f) {
  int rc = kExitOk;
  CaseOutput out;
  if (!out.Open(f.output, &rc)) return rc;
  auto result = investigate::Pivot(*out.kase, f.subject);
  if (!result.ok()) return QueryFailed(result.status());
  auto writer =
      report::MakeRowWriter(out.format, out.out, investigate::PivotSchema(), out.writer_options);
  for (auto& row : investigate::PivotRows(*result)) writer->Write(std::move(row));
  writer->Finish();
  return kExitOk;
}

}  // namespace

Runner AddPivot(CLI::App& app) {
  auto f = std::make_shared<PivotFlags>();
  CLI::App* cmd = app.add_subcommand(
      "pivot", "Everything the case knows about an access key, ARN, source IP or session name");
  f->output.Register(cmd);
  cmd->add_option("subject", f->subject, "Access key id, principal or role ARN, IP, session name")
      ->required();
  return [f] { return RunPivot(*f); };
}

}  // namespace cirt::cli
