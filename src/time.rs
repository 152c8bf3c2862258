//! Time as faqbot counts it: Unix milliseconds, the lengths it names, and the creation time that
//! every Discord id carries. The one place that reads the clock; the layers below the Discord layer
//! take the time as an argument.

/// A second, a minute, an hour and a day in milliseconds.
pub const SECOND_MS: u64 = 1_000;
pub const MINUTE_MS: u64 = 60 * SECOND_MS;
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
pub const DAY_MS: u64 = 24 * HOUR_MS;

/// Discord ids carry their creation time: milliseconds since this Unix time, shifted left by 22.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The current Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `days` days in milliseconds (saturating: "keep forever" stays far in the past, not wrapped).
pub fn days_ms(days: u64) -> u64 {
    days.saturating_mul(DAY_MS)
}

/// The Unix time in milliseconds at which the object with this Discord id was created.
pub fn created_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// The smallest Discord id created at `ms`: ids above it are younger (Discord's `after`).
pub fn first_id_at(ms: u64) -> u64 {
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_and_its_time_go_both_ways() {
        // A real Discord id and the time Discord's documentation gives for it.
        let id = 175_928_847_299_117_063;
        assert_eq!(created_ms(id), 1_462_015_105_796);
        assert_eq!(
            created_ms(first_id_at(1_462_015_105_796)),
            1_462_015_105_796
        );
        assert!(first_id_at(1_462_015_105_796) <= id);
        assert_eq!(first_id_at(0), 0);
        assert_eq!(days_ms(2), 172_800_000);
        assert_eq!(days_ms(u64::MAX), u64::MAX);
    }
}
