#pragma once

#include <sys/types.h>
#include <optional>

namespace soket::bench {

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat; nullopt if unreadable.
std::optional<double> process_cpu_seconds(pid_t pid);

/// Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS).
std::optional<double> process_rss_bytes(pid_t pid);

/// CPU seconds this process has used (getrusage).
double self_cpu_seconds();

}  // namespace soket::bench
