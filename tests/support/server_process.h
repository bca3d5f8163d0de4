// Helpers shared by the throwaway database servers of the tests
// (pg_harness.h, citus_harness.h): finding PostgreSQL's binaries, running
// initdb and pg_ctl (as the `postgres` user when root) and reading logs.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tradestore::testing {

// The whole content of the file at `path` ("" if unreadable).
std::string ReadFile(const std::string& path);

// $TRADESTORE_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin with
// initdb and pg_ctl. Throws std::runtime_error naming the package to
// install when there is none.
std::string FindBinDir();

// Runs argv (prefixed by `runuser -u postgres --` when `as_postgres`) in
// `cwd`, stdout and stderr appended to `log`, stdin /dev/null; returns the
// exit status, or -1 if it could not start or did not exit normally.
int Run(std::vector<std::string> argv, bool as_postgres, const std::string& cwd,
        const std::string& log);

// argv joined by spaces, for messages.
std::string Joined(const std::vector<std::string>& argv);

// True when the servers must run as the `postgres` system user (we are
// root; PostgreSQL refuses to run as root). Then `dir` is chowned to it.
// Throws std::runtime_error when there is no such user or chown fails.
bool PrepareServerDir(const std::string& dir);

// initdb of a new cluster in `data` (trust authentication, superuser
// `postgres`, UTF8, C locale, no fsync); throws std::runtime_error with
// initdb's output on failure. `dir` holds the log.
void InitDb(const std::string& bin_dir, const std::string& dir, const std::string& data,
            bool as_postgres);

// Starts the cluster in `data` with `pg_ctl start -w -t timeout_s` on a
// random port in 20000..40000, passing options(port) as the server's
// options (-o); the server logs to `log`, pg_ctl to `dir`/pg_ctl.log. A
// port another server holds makes the start fail: up to 5 ports are tried.
// Returns the port; throws std::runtime_error "pg_ctl start of WHAT
// failed:" with both logs.
int StartOnFreePort(const std::string& bin_dir, const std::string& dir, const std::string& data,
                    const std::string& log, bool as_postgres, int timeout_s,
                    const std::string& what, const std::function<std::string(int)>& options);

}  // namespace tradestore::testing
