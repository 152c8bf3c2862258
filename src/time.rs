//! Time as faqbot counts it: Unix milliseconds, the lengths it names, and the creation time that
//! every Discord id carries. The layers below the Discord layer take the time as an argument.
//!
//! A Discord id's time is Discord's clock; `now_ms` is this host's. When the two differ (a host
//! clock that drifted), every age would be off by the difference: a host a minute fast finds
//! every message too old to answer. So the Discord layer measures the difference at start
//! ([`set_skew_ms`]) and ids are read through it: [`created_ms`] gives an id's time on this
//! host's clock, [`first_id_at`] the id of a time on it.

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

/// How far this host's clock is ahead of Discord's, in ms (negative: behind); 0 until measured.
static SKEW_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Reads Discord's ids from now on as `skew_ms` off this host's clock (its clock minus Discord's).
pub fn set_skew_ms(skew_ms: i64) {
    SKEW_MS.store(skew_ms, std::sync::atomic::Ordering::Relaxed);
}

fn shifted(ms: u64, by: i64) -> u64 {
    ms.saturating_add_signed(by)
}

/// The Unix time, on this host's clock, at which the object with this Discord id was created.
pub fn created_ms(id: u64) -> u64 {
    shifted(
        discord_ms(id),
        SKEW_MS.load(std::sync::atomic::Ordering::Relaxed),
    )
}

/// The smallest Discord id created at `ms` on this host's clock: ids above it are younger
/// (Discord's `after`).
pub fn first_id_at(ms: u64) -> u64 {
    discord_id_at(shifted(
        ms,
        -SKEW_MS.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// The time an id carries, on Discord's clock.
pub fn discord_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// The smallest id Discord makes at `ms` on its own clock (what the emulator mints).
pub fn discord_id_at(ms: u64) -> u64 {
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

/// A span of days back from now, in words: "the last day", "the last 30 days".
pub fn period(days: u64) -> String {
    if days == 1 {
        "the last day".to_owned()
    } else {
        format!("the last {days} days")
    }
}

/// The UTC day of a Unix time in ms, as `YYYY-MM-DD` (the days the statistics count in).
pub fn day_of(ms: u64) -> String {
    // Howard Hinnant's days-to-civil: exact for every day since 1970, no calendar crate needed.
    let days = (ms / DAY_MS) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let of_era = days.rem_euclid(146_097);
    let year_of_era = (of_era - of_era / 1_460 + of_era / 36_524 - of_era / 146_096) / 365;
    let day_of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_written_as_the_statistics_write_it() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(10 * DAY_MS + 5), "1970-01-11");
        // 2024-02-29, a leap day, and the last ms of 2026-12-31.
        assert_eq!(day_of(1_709_164_800_000), "2024-02-29");
        assert_eq!(day_of(1_798_761_599_999), "2026-12-31");
    }

    #[test]
    fn one_day_is_said_as_one_day() {
        assert_eq!(period(1), "the last day");
        assert_eq!(period(30), "the last 30 days");
    }

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

    #[test]
    fn a_skew_shifts_ids_both_ways() {
        let id = discord_id_at(1_700_000_000_000);
        assert_eq!(shifted(discord_ms(id), 60_000), 1_700_000_060_000);
        assert_eq!(shifted(1_700_000_060_000, -60_000), 1_700_000_000_000);
        assert_eq!(shifted(5, -10), 0, "never below the epoch of time");
    }
}
