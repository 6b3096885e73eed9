#include "verify_backup.hpp"

#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "orderflow/json.hpp"

namespace orderflow::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPgRestore = "/usr/lib/postgresql/15/bin/pg_restore";  // Debian's, as backup.sh

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// SHA-256 of a file, read in pieces: a dump may be far larger than memory wants to hold.
std::string sha256_of_file(const fs::path& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// Runs pg_restore with `args`, its output to /dev/null; true when it exits 0.
bool pg_restore_reads(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kPgRestore));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDOUT_FILENO);
    execv(kPgRestore, argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int verify_backup(const fs::path& backup, std::ostream& out) {
  int problems = 0;
  auto problem = [&](const std::string& what) {
    out << backup.string() << ": " << what << "\n";
    ++problems;
  };
  if (!fs::is_regular_file(backup / "manifest.json") || !fs::is_regular_file(backup / "SHA256SUMS")) {
    problem("not a complete backup (manifest.json and SHA256SUMS)");
    return problems;
  }
  // Every file the checksums list has its digest (lines "<64 hex>  <file>", as sha256sum writes).
  std::set<std::string> summed;
  std::istringstream sums(read_file(backup / "SHA256SUMS"));
  for (std::string line; std::getline(sums, line);) {
    if (line.empty()) continue;
    if (line.size() < 67 || line[64] != ' ') {
      problem("a line of SHA256SUMS is malformed");
      continue;
    }
    std::string file = line.substr(66);
    const std::string expected = line.substr(0, 64);
    if (file.find('/') != std::string::npos || file == "..") {
      problem("SHA256SUMS names a file outside the backup: " + file);
      continue;
    }
    summed.insert(file);
    if (!fs::is_regular_file(backup / file)) {
      problem(file + " is missing");
    } else if (sha256_of_file(backup / file) != expected) {
      problem(file + ": checksum mismatch");
    }
  }
  // The manifest: a format we restore, and its dumps.
  const auto manifest = json::parse(read_file(backup / "manifest.json"));
  if (!manifest || !manifest->IsObject()) {
    problem("manifest.json is not JSON");
    return problems;
  }
  const auto format = json::get_string(*manifest, "format");
  if (format != "orderflow-backup/1" && format != "orderflow-backup/2")
    problem("manifest.json: unknown format " + std::string(format.value_or("(none)")));
  std::vector<std::string> dumps;
  if (manifest->HasMember("dumps") && (*manifest)["dumps"].IsArray()) {
    for (const auto& d : (*manifest)["dumps"].GetArray())
      if (d.IsObject())
        if (auto file = json::get_string(d, "file")) dumps.emplace_back(*file);
  } else if (auto dump = json::get_string(*manifest, "dump")) {
    dumps.emplace_back(*dump);  // format 1: one dump
  }
  if (dumps.empty()) problem("manifest.json names no dump");
  for (const auto& file : dumps) {
    if (!summed.count(file)) problem(file + " has no checksum in SHA256SUMS");
    if (!fs::is_regular_file(backup / file)) {
      problem(file + " is missing");
      continue;
    }
    // Reads the whole archive, every table's data, as a restore would.
    if (!pg_restore_reads({"--file=/dev/null", (backup / file).string()})) {
      problem(file + " does not read back (pg_restore)");
      continue;
    }
    out << backup.string() << ": " << file << " ok\n";
  }
  if (problems == 0)
    out << backup.string() << ": ok (" << dumps.size() << " dumps, " << summed.size() << " files)\n";
  return problems;
}

}  // namespace orderflow::cli
