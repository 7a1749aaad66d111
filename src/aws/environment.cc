#include "aws/environment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace cirt::aws {

namespace {

ErrorContext FileContext(const std::string& path) {
  ErrorContext context;
  context.file = path;
  return context;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT)
      return Status::NotFound("no such file", FileContext(path));
    return Status::Io(fmt::format("cannot open: {}", std::strerror(errno)),
                      FileContext(path));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::Io("read failed", FileContext(path));
  return out.str();
}

// posix_spawnp with stdout and stderr captured through pipes; both are
// drained together with poll() so a chatty stderr cannot block the child.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 char* const* envp) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Io("pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::Io("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Status::Io(
        fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  }
  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.stdout_text, &result.stderr_text};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  result.exit_code =
      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

}  // namespace

std::optional<std::string> Environment::GetNonEmpty(
    std::string_view name) const {
  std::optional<std::string> value = Get(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string Environment::ExpandHome(const std::string& path) const {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    return Get("HOME").value_or("") + path.substr(1);
  }
  return path;
}

std::optional<std::string> SystemEnvironment::Get(std::string_view name) const {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::string> SystemEnvironment::ReadFile(const std::string& path) const {
  return ReadWholeFile(path);
}

Result<ProcessResult> SystemEnvironment::Run(
    const std::vector<std::string>& argv) const {
  return RunProcess(argv, environ);
}

std::chrono::system_clock::time_point SystemEnvironment::Now() const {
  return std::chrono::system_clock::now();
}

std::optional<std::string> MapEnvironment::Get(std::string_view name) const {
  auto it = vars_.find(std::string(name));
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> MapEnvironment::ReadFile(const std::string& path) const {
  return ReadWholeFile(path);
}

Result<ProcessResult> MapEnvironment::Run(
    const std::vector<std::string>& argv) const {
  // The child sees exactly the map (plus nothing else), like the rest of
  // the code does.
  std::vector<std::string> entries;
  for (const auto& [name, value] : vars_) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  return RunProcess(argv, envp.data());
}

}  // namespace cirt::aws
