//! A process's memory as Linux reports it, for the examples that measure it.

/// One of a process's figures in `/proc/PID/status` (`"VmRSS:"`, `"VmHWM:"`), in kB; 0 if it
/// cannot be read.
pub fn status_kb(pid: &str, name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// The same figure of process `pid`, in MB.
pub fn status_mb(pid: u32, name: &str) -> u64 {
    status_kb(&pid.to_string(), name) / 1024
}
