#include "respond/guardrails.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cirt::respond {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Guardrails, GlobMatch) {
  EXPECT_TRUE(
      GlobMatch("arn:aws:iam::*:role/BreakGlass*", "arn:aws:iam::123:role/BreakGlassAdmin"));
  EXPECT_TRUE(GlobMatch("arn:aws:iam::*:role/*/BreakGlass", "arn:aws:iam::1:role/ops/BreakGlass"));
  EXPECT_FALSE(GlobMatch("arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::1:role/BreakGlass2"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "ac"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("**a**", "bab"));
  EXPECT_FALSE(GlobMatch("", "a"));
  // Hostile patterns finish quickly (no exponential backtracking).
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(Guardrails, LoadsYamlAndJson) {
  auto yaml = LoadGuardrails(Write("g.yaml",
                                   "protected:\n  - arn:aws:iam::*:role/BreakGlass*\n"
                                   "  - arn:aws:iam::*:user/admin\nmax_resources: 3\n"));
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  EXPECT_EQ(yaml->protected_patterns.size(), 2u);
  EXPECT_EQ(yaml->max_resources, 3);
  auto json = LoadGuardrails(Write("g.json", R"({"protected": ["arn:aws:s3:::evidence-*"]})"));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->protected_patterns, std::vector<std::string>{"arn:aws:s3:::evidence-*"});
  EXPECT_EQ(json->max_resources, 10);  // default
}

TEST(Guardrails, RefusesBadFilesNamingThem) {
  std::string unknown = Write("bad1.yaml", "protect: [x]\n");
  auto a = LoadGuardrails(unknown);
  EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(a.status().context().file, unknown);
  EXPECT_NE(a.status().ToString().find("unknown key 'protect'"), std::string::npos);
  auto b = LoadGuardrails(Write("bad2.yaml", "max_resources: lots\n"));
  EXPECT_NE(b.status().ToString().find("whole number"), std::string::npos);
  auto c = LoadGuardrails(Write("bad3.yaml", "protected: arn:aws:iam::*:role/x\n"));
  EXPECT_NE(c.status().ToString().find("list of ARN globs"), std::string::npos);
  auto d = LoadGuardrails(Write("bad4.yaml", "protected: [\n"));
  EXPECT_EQ(d.status().code(), ErrorCode::kCorrupt);
  EXPECT_FALSE(LoadGuardrails(::testing::TempDir() + "/does-not-exist.yaml").ok());
}

TEST(Guardrails, TheCallerIsAlwaysProtected) {
  Guardrails none;
  std::string role_session = "arn:aws:sts::111122223333:assumed-role/IR-Responder/alice";
  EXPECT_NE(ProtectedReason(none, role_session, "arn:aws:iam::111122223333:role/IR-Responder")
                .find("responder's own identity"),
            std::string::npos);
  EXPECT_NE(ProtectedReason(none, role_session, "arn:aws:iam::111122223333:role/ir/IR-Responder"),
            "");
  EXPECT_EQ(ProtectedReason(none, role_session, "arn:aws:iam::111122223333:role/Other"), "");
  EXPECT_EQ(ProtectedReason(none, role_session, "arn:aws:iam::999999999999:role/IR-Responder"), "");
  // moto's and IAM users' caller ARNs.
  EXPECT_NE(ProtectedReason(none, "arn:aws:sts::123456789012:user/moto",
                            "arn:aws:iam::123456789012:user/moto"),
            "");
  EXPECT_NE(ProtectedReason(none, "arn:aws:iam::123456789012:user/ops/bob",
                            "arn:aws:iam::123456789012:user/ops/bob"),
            "");
  EXPECT_EQ(ProtectedReason(none, "arn:aws:iam::123456789012:user/ops/bob",
                            "arn:aws:iam::123456789012:user/alice"),
            "");
}

TEST(Guardrails, ConfiguredPatternsNameTheirFile) {
  Guardrails g;
  g.protected_patterns = {"arn:aws:iam::*:role/BreakGlass*"};
  g.source = "case/guardrails.yaml";
  std::string reason =
      ProtectedReason(g, "arn:aws:sts::1:assumed-role/IR/x", "arn:aws:iam::1:role/BreakGlassAdmin");
  EXPECT_NE(reason.find("protected by 'arn:aws:iam::*:role/BreakGlass*' in case/guardrails.yaml"),
            std::string::npos);
}

}  // namespace
}  // namespace cirt::respond
