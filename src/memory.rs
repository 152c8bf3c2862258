//! What the suggestion policy must remember between messages: cooldown claims, the threads seen,
//! and which messages were already answered.
//!
//! The policy's rules stay pure ([`crate::policy`]); this trait is the seam to where the memory
//! lives: [`InMemory`] here (tests, the demo, and the fallback while a database is unusable), the
//! SQLite store in [`crate::store`], and later a shared database for several bot processes. Times
//! are wall-clock Unix milliseconds, passed in, so they can be stored and tests control them.
//!
//! Every method is one atomic step that says whether the caller won it: two processes sharing one
//! memory can never both claim the same entry in the same channel.

use std::collections::HashMap;
use std::sync::Mutex;

/// A memory that could not be read or written (a locked or full database, say).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MemoryError(pub String);

pub type Result<T> = std::result::Result<T, MemoryError>;

/// A cooldown slot: `entry` may not be suggested at `place` (a channel or thread) before `until_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub place: u64,
    pub entry: String,
    pub until_ms: u64,
}

pub trait Memory: Send + Sync {
    /// Takes the slot unless an unexpired claim holds it; `Ok(true)` when this call won it.
    fn claim(&self, claim: &Claim, now_ms: u64) -> Result<bool>;
    /// Gives back a slot that [`claim`](Self::claim) won, unless someone has claimed it since.
    fn release(&self, claim: &Claim) -> Result<()>;
    /// Until when the slot of `entry` at `place` is held, if a claim holds it (expired or not).
    fn held_until(&self, place: u64, entry: &str) -> Result<Option<u64>>;
    /// Notes that `thread` has been seen; `Ok(true)` the first time.
    fn see_thread(&self, thread: u64, now_ms: u64) -> Result<bool>;
    /// Notes that `message` is being answered; `Ok(true)` the first time, so a message that
    /// arrives twice (a gateway replay, a second process) is answered once.
    fn answer_once(&self, message: u64, now_ms: u64) -> Result<bool>;
}

/// Past this many remembered items a map is swept of expired ones; the bound doubles with what is
/// still live, so the work stays amortised and live claims are never dropped.
const SWEEP_AT: usize = 10_000;
/// Threads and answered messages are remembered this long: long enough for any gateway replay or
/// any thread's first message, short enough to keep the maps small.
pub const CLAIMS_KEPT_MS: u64 = 7 * crate::time::DAY_MS;

/// Memory in this process only: lost on restart.
#[derive(Debug, Default)]
pub struct InMemory {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// (place, entry) → until_ms.
    claims: Swept<(u64, String)>,
    /// thread → forget after, ms.
    threads: Swept<u64>,
    /// message → forget after, ms.
    answered: Swept<u64>,
}

/// A map of keys to expiry times that sweeps itself as it grows.
#[derive(Debug)]
struct Swept<K> {
    map: HashMap<K, u64>,
    sweep_at: usize,
}

impl<K> Default for Swept<K> {
    fn default() -> Self {
        Swept {
            map: HashMap::new(),
            sweep_at: SWEEP_AT,
        }
    }
}

impl<K: std::hash::Hash + Eq> Swept<K> {
    /// Sets `key` to expire at `until_ms` unless it is live; true when it was set.
    fn take(&mut self, key: K, until_ms: u64, now_ms: u64) -> bool {
        if self.map.get(&key).is_some_and(|&until| until > now_ms) {
            return false;
        }
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, until| *until > now_ms);
            self.sweep_at = (self.map.len() * 2).max(SWEEP_AT);
        }
        self.map.insert(key, until_ms);
        true
    }
}

impl InMemory {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many claims are held (live or not yet swept), for tests of the bound.
    pub fn claims_held(&self) -> usize {
        self.state().claims.map.len()
    }
}

impl Memory for InMemory {
    fn claim(&self, claim: &Claim, now_ms: u64) -> Result<bool> {
        let key = (claim.place, claim.entry.clone());
        Ok(self.state().claims.take(key, claim.until_ms, now_ms))
    }

    fn release(&self, claim: &Claim) -> Result<()> {
        let mut state = self.state();
        let key = (claim.place, claim.entry.clone());
        if state.claims.map.get(&key) == Some(&claim.until_ms) {
            state.claims.map.remove(&key);
        }
        Ok(())
    }

    fn held_until(&self, place: u64, entry: &str) -> Result<Option<u64>> {
        let key = (place, entry.to_owned());
        Ok(self.state().claims.map.get(&key).copied())
    }

    fn see_thread(&self, thread: u64, now_ms: u64) -> Result<bool> {
        Ok(self
            .state()
            .threads
            .take(thread, now_ms + CLAIMS_KEPT_MS, now_ms))
    }

    fn answer_once(&self, message: u64, now_ms: u64) -> Result<bool> {
        Ok(self
            .state()
            .answered
            .take(message, now_ms + CLAIMS_KEPT_MS, now_ms))
    }
}

/// The behaviour every [`Memory`] must show; run by the tests of each implementation.
#[cfg(test)]
pub(crate) fn check_contract(memory: &dyn Memory) {
    let claim = |place, entry: &str, until_ms| Claim {
        place,
        entry: entry.to_owned(),
        until_ms,
    };
    // A slot is won once until it expires, per place and entry.
    assert_eq!(memory.claim(&claim(10, "cost", 1_600), 1_000), Ok(true));
    assert_eq!(memory.claim(&claim(10, "cost", 1_700), 1_100), Ok(false));
    assert_eq!(memory.held_until(10, "cost"), Ok(Some(1_600)));
    assert_eq!(memory.held_until(12, "cost"), Ok(None));
    assert_eq!(
        memory.claim(&claim(10, "500-error", 1_700), 1_100),
        Ok(true)
    );
    assert_eq!(memory.claim(&claim(11, "cost", 1_700), 1_100), Ok(true));
    assert_eq!(memory.claim(&claim(10, "cost", 2_200), 1_600), Ok(true));
    // Releasing gives the slot back, but not one that was claimed again since.
    memory.release(&claim(10, "500-error", 1_700)).unwrap();
    assert_eq!(
        memory.claim(&claim(10, "500-error", 1_800), 1_200),
        Ok(true)
    );
    memory.release(&claim(10, "500-error", 1_700)).unwrap();
    assert_eq!(
        memory.claim(&claim(10, "500-error", 1_900), 1_300),
        Ok(false)
    );
    // Threads and messages: true the first time only.
    assert_eq!(memory.see_thread(7, 1_000), Ok(true));
    assert_eq!(memory.see_thread(7, 1_001), Ok(false));
    assert_eq!(memory.answer_once(8, 1_000), Ok(true));
    assert_eq!(memory.answer_once(8, 1_001), Ok(false));
    assert_eq!(memory.answer_once(9, 1_001), Ok(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_keeps_the_contract() {
        check_contract(&InMemory::default());
    }

    #[test]
    fn expired_claims_are_swept_and_live_ones_kept() {
        let memory = InMemory::default();
        // Each claim lasts 1 s; one new claim per second, so at most one is live at a time.
        for n in 0..(3 * SWEEP_AT as u64) {
            let claim = Claim {
                place: n,
                entry: "cost".into(),
                until_ms: n * 1000 + 1000,
            };
            assert_eq!(memory.claim(&claim, n * 1000), Ok(true));
        }
        assert!(memory.claims_held() <= SWEEP_AT, "{}", memory.claims_held());

        // Claims that are all live are kept, however many.
        let memory = InMemory::default();
        for n in 0..(2 * SWEEP_AT as u64) {
            let claim = Claim {
                place: n,
                entry: "cost".into(),
                until_ms: u64::MAX,
            };
            assert_eq!(memory.claim(&claim, 0), Ok(true));
        }
        assert_eq!(memory.claims_held(), 2 * SWEEP_AT);
    }
}
