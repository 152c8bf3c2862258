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

/// The `top` mappings of process `pid` that hold the most resident memory, from
/// `/proc/PID/smaps`: (kB resident, what is mapped), largest first.
#[allow(dead_code)]
pub fn largest_mappings(pid: u32, top: usize) -> Vec<(u64, String)> {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let mut mappings: Vec<(u64, String)> = Vec::new();
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("Rss:") => {
                if let (Some(last), Some(kb)) = (mappings.last_mut(), fields.next()) {
                    last.0 = kb.parse().unwrap_or(0);
                }
            }
            Some(first)
                if first.contains('-') && first.contains(|c: char| c.is_ascii_hexdigit()) =>
            {
                let name = line.split_whitespace().nth(5).unwrap_or("[anonymous]");
                mappings.push((0, format!("{first} {name}")));
            }
            _ => {}
        }
    }
    mappings.sort_by_key(|m| std::cmp::Reverse(m.0));
    mappings.truncate(top);
    mappings
}
