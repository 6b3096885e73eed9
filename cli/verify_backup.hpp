#pragma once
// `orderflow-ctl verify-backup <dir>`: is a backup of `make backup` (infra/backup.sh) whole and
// restorable, without a database: its manifest names a known format and its dumps, every file listed
// in SHA256SUMS has that digest, and every dump reads back through pg_restore (all of each table's
// data, as a restore would read it). infra/backup.sh verify and restore call it.
#include <filesystem>
#include <ostream>

namespace orderflow::cli {

// Prints what it checked, or what is wrong, to `out`; returns the number of problems.
int verify_backup(const std::filesystem::path& backup, std::ostream& out);

}  // namespace orderflow::cli
