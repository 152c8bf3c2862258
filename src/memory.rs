//! What the suggestion policy must remember between messages: cooldown claims, the threads seen,
//! and which messages were already answered.
//!
//! The policy's rules stay pure ([`crate::policy`]); this trait is the seam to where the memory
//! lives: [`InMemory`] here (tests, the demo, and the fallback while a database of one process is
//! unusable), and the store's SQLite and PostgreSQL backends in [`crate::store`], the latter shared
//! by several bot processes. Times
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

/// A cooldown slot: `entry` may not be suggested at `place` (a channel or thread) before `until_ms`,
/// taken for the answer to `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub place: u64,
    pub entry: String,
    pub until_ms: u64,
    /// The message whose answer holds the slot: the same message may take it again (an answer an
    /// earlier run began and did not finish), another may not.
    pub message: u64,
}

/// What the memory knows of one watched place (a channel or thread), for reading back what the
/// bot missed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceSeen {
    pub place: u64,
    /// The newest message noted there.
    pub newest: u64,
    /// The oldest message there whose answer another run of the bot began and did not finish
    /// (it was stopped or killed first, or it is still at work).
    pub unfinished: Option<u64>,
    /// How much longer a run that is still alive holds unfinished answers there (its lease): they
    /// are its own until then, and taken over after if it has not finished them.
    pub held_for_ms: Option<u64>,
}

pub trait Memory: Send + Sync {
    /// Takes the slot unless an unexpired claim holds it; `Ok(true)` when this call won it.
    fn claim(&self, claim: &Claim, now_ms: u64) -> Result<bool>;
    /// Gives back a slot that [`claim`](Self::claim) won for `claim.message`, unless another
    /// message has claimed it since.
    fn release(&self, claim: &Claim) -> Result<()>;
    /// Until when the slot of `entry` at `place` is held, if a claim holds it (expired or not).
    fn held_until(&self, place: u64, entry: &str) -> Result<Option<u64>>;
    /// Notes that `thread` has been seen; `Ok(true)` the first time.
    fn see_thread(&self, thread: u64, now_ms: u64) -> Result<bool>;
    /// Notes that `message` (at `place`, a channel or thread, if it is in one) is being
    /// answered; `Ok(true)` the first time, so a message that arrives twice (a gateway replay, a
    /// read-back, a second process) is answered once. Also `Ok(true)` for a message whose answer
    /// another run began and never [finished](Self::finish), once that run's
    /// [lease](Self::hold_lease) is over: the run that takes it over answers it.
    fn answer_once(&self, message: u64, place: Option<u64>, now_ms: u64) -> Result<bool>;
    /// The answer of `message` is finished: posted, decided against, or given up on purpose.
    fn finish(&self, message: u64) -> Result<()>;
    /// The places where messages were noted in the last `within_ms`, for the read-back at start
    /// and after a reconnect.
    fn places(&self, within_ms: u64, now_ms: u64) -> Result<Vec<PlaceSeen>>;
    /// This run is alive for `for_ms` from now (by the memory's clock): no other run takes over
    /// the answers it began before then. A run renews its lease while it runs, so only a run
    /// that died (or hangs) loses what it was answering; a run that never took a lease (a
    /// test's, the demo's) keeps its answers. A memory of one process has no other run to keep
    /// off.
    fn hold_lease(&self, _for_ms: u64, _now_ms: u64) -> Result<()> {
        Ok(())
    }
    /// This run ends now: another takes over at once whatever it leaves unfinished.
    fn end_lease(&self, _now_ms: u64) -> Result<()> {
        Ok(())
    }
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
    /// (place, entry) → the message whose answer holds the slot.
    owners: HashMap<(u64, String), u64>,
    /// thread → forget after, ms.
    threads: Swept<u64>,
    /// message → forget after, ms.
    answered: Swept<u64>,
    /// place → the newest message noted there, and when a message was last noted there.
    places: HashMap<u64, (u64, u64)>,
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

    /// Whether this memory took `message` (while a database failed, say).
    pub fn has_taken(&self, message: u64) -> bool {
        self.state().answered.map.contains_key(&message)
    }

    /// Whether a live claim of another message holds the slot `claim` asks for.
    pub fn holds_against(&self, claim: &Claim, now_ms: u64) -> bool {
        let state = self.state();
        let key = (claim.place, claim.entry.clone());
        state
            .claims
            .map
            .get(&key)
            .is_some_and(|&until| until > now_ms)
            && state.owners.get(&key) != Some(&claim.message)
    }

    /// How many claims are held (live or not yet swept), for tests of the bound.
    pub fn claims_held(&self) -> usize {
        self.state().claims.map.len()
    }
}

impl Memory for InMemory {
    fn claim(&self, claim: &Claim, now_ms: u64) -> Result<bool> {
        let key = (claim.place, claim.entry.clone());
        let mut state = self.state();
        if state.owners.get(&key) == Some(&claim.message) {
            state.claims.map.insert(key, claim.until_ms);
            return Ok(true);
        }
        if !state.claims.take(key.clone(), claim.until_ms, now_ms) {
            return Ok(false);
        }
        state.owners.insert(key, claim.message);
        if state.owners.len() > 2 * state.claims.map.len() {
            let State { claims, owners, .. } = &mut *state;
            owners.retain(|key, _| claims.map.contains_key(key));
        }
        Ok(true)
    }

    fn release(&self, claim: &Claim) -> Result<()> {
        // By the message that holds it, as the stores do (a shared store's expiry is set by the
        // database's clock, not the caller's).
        let mut state = self.state();
        let key = (claim.place, claim.entry.clone());
        if state.owners.get(&key) == Some(&claim.message) {
            state.claims.map.remove(&key);
            state.owners.remove(&key);
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

    fn answer_once(&self, message: u64, place: Option<u64>, now_ms: u64) -> Result<bool> {
        let mut state = self.state();
        if let Some(place) = place {
            if state.places.len() >= SWEEP_AT {
                let cutoff = now_ms.saturating_sub(CLAIMS_KEPT_MS);
                state.places.retain(|_, (_, noted_ms)| *noted_ms >= cutoff);
            }
            let (newest, noted_ms) = state.places.entry(place).or_default();
            *newest = (*newest).max(message);
            *noted_ms = now_ms;
        }
        Ok(state
            .answered
            .take(message, now_ms + CLAIMS_KEPT_MS, now_ms))
    }

    /// One process is one run: nothing is left unfinished by an earlier one.
    fn finish(&self, _message: u64) -> Result<()> {
        Ok(())
    }

    fn places(&self, within_ms: u64, now_ms: u64) -> Result<Vec<PlaceSeen>> {
        let since_ms = now_ms.saturating_sub(within_ms);
        Ok(self
            .state()
            .places
            .iter()
            .filter(|(_, (_, noted_ms))| *noted_ms >= since_ms)
            .map(|(&place, &(newest, _))| PlaceSeen {
                place,
                newest,
                unfinished: None,
                held_for_ms: None,
            })
            .collect())
    }
}

/// The behaviour every [`Memory`] must show; run by the tests of each implementation.
#[cfg(test)]
pub(crate) fn check_contract(memory: &dyn Memory) {
    let claim = |place, entry: &str, until_ms| Claim {
        place,
        entry: entry.to_owned(),
        until_ms,
        message: until_ms,
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
    // A slot is released by the message that holds it, whatever expiry the release names.
    let mine = Claim {
        message: 40,
        ..claim(13, "cost", 5_000)
    };
    let theirs = Claim {
        message: 42,
        ..claim(13, "cost", 5_000)
    };
    assert_eq!(memory.claim(&mine, 1_000), Ok(true));
    memory
        .release(&Claim {
            message: 41,
            ..mine.clone()
        })
        .unwrap();
    assert_eq!(
        memory.claim(&theirs, 1_001),
        Ok(false),
        "another message's release"
    );
    memory
        .release(&Claim {
            until_ms: 4_000,
            ..mine.clone()
        })
        .unwrap();
    assert_eq!(
        memory.claim(&theirs, 1_002),
        Ok(true),
        "its own message's release"
    );
    // Threads and messages: true the first time only.
    assert_eq!(memory.see_thread(7, 1_000), Ok(true));
    assert_eq!(memory.see_thread(7, 1_001), Ok(false));
    assert_eq!(memory.answer_once(8, Some(70), 1_000), Ok(true));
    assert_eq!(memory.answer_once(8, Some(70), 1_001), Ok(false));
    assert_eq!(memory.answer_once(9, Some(70), 1_001), Ok(true));
    memory.finish(8).unwrap();
    assert_eq!(memory.answer_once(8, Some(70), 1_002), Ok(false));
    // The same message takes its own slot again; another does not.
    let held = Claim {
        message: 5,
        ..claim(20, "cost", 9_000)
    };
    assert_eq!(memory.claim(&held, 1_000), Ok(true));
    assert_eq!(memory.claim(&held, 1_001), Ok(true));
    let other = Claim {
        message: 6,
        ..claim(20, "cost", 9_000)
    };
    assert_eq!(memory.claim(&other, 1_001), Ok(false));
    // Places: the newest message noted in each, and only those noted in since a time.
    memory.answer_once(30, Some(71), 5_000).unwrap();
    memory.answer_once(20, Some(71), 5_001).unwrap();
    let places = memory.places(u64::MAX, 5_001).unwrap();
    let seen = |place| places.iter().find(|p| p.place == place).map(|p| p.newest);
    assert_eq!(seen(70), Some(9));
    assert_eq!(seen(71), Some(30));
    let recent = memory.places(1, 5_001).unwrap();
    assert_eq!(recent.iter().map(|p| p.place).collect::<Vec<_>>(), [71]);
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
                message: n,
            };
            assert_eq!(memory.claim(&claim, n * 1000), Ok(true));
        }
        assert!(memory.claims_held() <= SWEEP_AT, "{}", memory.claims_held());
        assert!(memory.state().owners.len() <= 2 * SWEEP_AT);

        // Claims that are all live are kept, however many.
        let memory = InMemory::default();
        for n in 0..(2 * SWEEP_AT as u64) {
            let claim = Claim {
                place: n,
                entry: "cost".into(),
                until_ms: u64::MAX,
                message: n,
            };
            assert_eq!(memory.claim(&claim, 0), Ok(true));
        }
        assert_eq!(memory.claims_held(), 2 * SWEEP_AT);
    }
}
