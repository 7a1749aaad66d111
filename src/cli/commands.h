// src/cli/commands.h
// Each subcommand registers its flags on the CLI11 app and returns the
// callback that runs it (returning the exit code).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace cirt::cli {

using Runner = std::function<int()>;

Runner AddHunt(CLI::App& app);
Runner AddRules(CLI::App& app);
Runner AddVerify(CLI::App& app);
Runner AddCollect(CLI::App& app);
Runner AddCase(CLI::App& app);
Runner AddTimeline(CLI::App& app);
Runner AddPivot(CLI::App& app);
Runner AddScope(CLI::App& app);
Runner AddRespond(CLI::App& app);
Runner AddReport(CLI::App& app);

}  // namespace cirt::cli
