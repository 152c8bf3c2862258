//! Discord's ids, which carry the millisecond they were made (since Discord's epoch, 2015) in
//! their top 42 bits: what the emulator mints, on its own clock.

/// The first millisecond of 2015, where Discord's ids count from.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The current Unix time in milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The smallest id Discord makes at `ms` (Unix milliseconds).
pub(crate) fn id_at(ms: u64) -> u64 {
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}
