//! `[discord] shards = "0-3/8"`: which of Discord's shards this process runs, of how many.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// Shards `first` to `last` (both included) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

/// Discord's global limit on a bot's REST requests, per second, shared by all its processes.
pub const GLOBAL_REQUESTS_PER_SEC: u32 = 50;

impl Shards {
    /// How many shards this process runs.
    pub fn count(&self) -> u32 {
        self.last - self.first + 1
    }

    /// Whether this process runs shard 0, which receives the direct messages and registers the
    /// commands.
    pub fn has_first(&self) -> bool {
        self.first == 0
    }

    /// Whether this process runs every shard (nothing is shared with another process).
    pub fn all(&self) -> bool {
        self.count() == self.total
    }

    /// This process's share of the global REST limit: its part of the shards, at least 1.
    pub fn requests_per_sec(&self) -> u32 {
        (GLOBAL_REQUESTS_PER_SEC * self.count() / self.total).max(1)
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}/{}", self.first, self.last, self.total)
    }
}

impl FromStr for Shards {
    type Err = String;

    /// `"0-3/8"` (shards 0 to 3 of 8) or `"2/8"` (shard 2 of 8).
    fn from_str(text: &str) -> Result<Shards, String> {
        let bad = || {
            format!("[discord] shards = {text:?}: write FIRST-LAST/TOTAL, as \"0-3/8\" for shards 0 to 3 of 8 (both included)")
        };
        let (range, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        let total = number(total)?;
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(range)?, number(range)?),
        };
        if total == 0 || first > last || last >= total {
            return Err(format!(
                "[discord] shards = {text:?}: shards are numbered 0 to TOTAL-1 and FIRST may not pass LAST, as in \"0-3/8\""
            ));
        }
        Ok(Shards { first, last, total })
    }
}

impl<'de> Deserialize<'de> for Shards {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_of_a_total_is_read_with_both_ends_included() {
        let shards: Shards = "0-3/8".parse().unwrap();
        assert_eq!((shards.first, shards.last, shards.total), (0, 3, 8));
        assert_eq!(shards.count(), 4);
        assert!(shards.has_first() && !shards.all());
        assert_eq!(shards.requests_per_sec(), 25);
        assert_eq!("1/2".parse::<Shards>().unwrap().count(), 1);
        assert!("0-1/2".parse::<Shards>().unwrap().all());
        assert_eq!("3-3/200".parse::<Shards>().unwrap().requests_per_sec(), 1);
        for bad in ["0-8/8", "3-1/8", "0-1", "a-b/2", "0/0", ""] {
            let error = bad.parse::<Shards>().unwrap_err();
            assert!(error.contains("\"0-3/8\""), "{bad}: {error}");
        }
    }
}
