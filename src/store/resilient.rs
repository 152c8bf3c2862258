//! The policy's memory in the database. A database of this process alone has this process's
//! memory as a fallback: a locked or full file must not stop the bot from answering. A database
//! shared by several processes fails closed instead: a claim this process made alone could be
//! made by another one too, and the same answer would be posted twice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Backend, Throttle};
use crate::memory::{self, Claim, InMemory, Memory, PlaceSeen};

pub struct Resilient {
    primary: Arc<dyn Backend>,
    /// `None` for a shared database: its errors come back to the caller, who stays quiet.
    fallback: Option<InMemory>,
    throttle: Throttle,
    failures: AtomicU64,
}

impl Resilient {
    pub(super) fn new(primary: Arc<dyn Backend>) -> Self {
        Resilient {
            primary,
            fallback: Some(InMemory::default()),
            throttle: Throttle::new(),
            failures: AtomicU64::new(0),
        }
    }

    /// Over a database other processes share: no private fallback.
    pub(super) fn fail_closed(primary: Arc<dyn Backend>) -> Self {
        Resilient {
            fallback: None,
            ..Resilient::new(primary)
        }
    }

    /// How often the database failed (and this process's memory answered instead, or nothing).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    fn primary_or_fallback<T>(
        &self,
        primary: memory::Result<T>,
        fallback: impl FnOnce(&InMemory) -> memory::Result<T>,
    ) -> memory::Result<T> {
        match primary {
            Ok(value) => {
                if self.throttle.recovered() {
                    tracing::info!("the database answers again; cooldowns are kept there again");
                }
                Ok(value)
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                let Some(own) = &self.fallback else {
                    self.throttle.error(|held_back| {
                        tracing::error!(
                            held_back,
                            "cannot reach the shared database: {error}; staying quiet on unasked suggestions until it answers (/faq still works, records are queued)"
                        )
                    });
                    return Err(error);
                };
                self.throttle.error(|held_back| {
                    tracing::error!(
                        held_back,
                        "cannot use the database for cooldowns: {error}; keeping them in memory until it works again"
                    )
                });
                fallback(own)
            }
        }
    }

    /// Whether this process's memory holds what the database must then not give again.
    fn fallback_memory(&self) -> Option<&InMemory> {
        self.fallback.as_ref()
    }
}

impl Memory for Resilient {
    fn claim(&self, claim: &Claim, now_ms: u64) -> memory::Result<bool> {
        // A slot this process took while the database failed still holds once it works again.
        let won = self.primary_or_fallback(self.primary.claim(claim, now_ms), |m| {
            m.claim(claim, now_ms)
        })?;
        Ok(won
            && !self
                .fallback_memory()
                .is_some_and(|own| own.holds_against(claim, now_ms)))
    }

    fn release(&self, claim: &Claim) -> memory::Result<()> {
        // Either may hold it; giving back one that is not held changes nothing.
        if let Some(own) = self.fallback_memory() {
            let _ = own.release(claim);
        }
        self.primary_or_fallback(self.primary.release(claim), |_| Ok(()))
    }

    fn held_until(&self, place: u64, entry: &str) -> memory::Result<Option<u64>> {
        self.primary_or_fallback(self.primary.held_until(place, entry), |m| {
            m.held_until(place, entry)
        })
    }

    fn see_thread(&self, thread: u64, now_ms: u64) -> memory::Result<bool> {
        self.primary_or_fallback(self.primary.see_thread(thread, now_ms), |m| {
            m.see_thread(thread, now_ms)
        })
    }

    fn answer_once(&self, message: u64, place: Option<u64>, now_ms: u64) -> memory::Result<bool> {
        let primary = self.primary.answer_once(message, place, now_ms);
        let fell_back = primary.is_err();
        let won = self.primary_or_fallback(primary, |m| m.answer_once(message, place, now_ms))?;
        // A message this process took while the database failed is not taken again once it
        // works (a read-back and the live event can bring the same message either side of it).
        Ok(won
            && (fell_back
                || !self
                    .fallback_memory()
                    .is_some_and(|own| own.has_taken(message))))
    }

    fn finish(&self, message: u64) -> memory::Result<()> {
        self.primary_or_fallback(self.primary.finish(message), |m| m.finish(message))
    }

    fn places(&self, within_ms: u64, now_ms: u64) -> memory::Result<Vec<PlaceSeen>> {
        // What was noted while the database failed is in this process's memory: both count.
        let primary = self.primary.places(within_ms, now_ms);
        let mut places = self.primary_or_fallback(primary, |_| Ok(Vec::new()))?;
        let own = match self.fallback_memory() {
            Some(own) => own.places(within_ms, now_ms)?,
            None => Vec::new(),
        };
        for noted in own {
            match places.iter_mut().find(|p| p.place == noted.place) {
                Some(known) => known.newest = known.newest.max(noted.newest),
                None => places.push(noted),
            }
        }
        Ok(places)
    }

    // The lease is the database's to keep: this process's memory has no other run to keep off.
    fn hold_lease(&self, for_ms: u64, now_ms: u64) -> memory::Result<()> {
        self.primary.hold_lease(for_ms, now_ms)
    }

    fn end_lease(&self, now_ms: u64) -> memory::Result<()> {
        self.primary.end_lease(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::Sqlite;

    #[test]
    fn what_was_taken_while_the_database_failed_is_not_taken_again_after() {
        let dir = std::env::temp_dir().join(format!("faqbot-resilient-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("faqbot.db");
        let memory = Resilient::new(Arc::new(Sqlite::open(&path).unwrap()));
        let locker = rusqlite::Connection::open(&path).unwrap();
        locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let claim = Claim {
            place: 1,
            entry: "cost".into(),
            until_ms: 10_000,
            message: 5,
        };
        assert_eq!(memory.answer_once(5, Some(1), 1_000), Ok(true));
        assert_eq!(memory.claim(&claim, 1_000), Ok(true));
        assert_eq!(memory.failures(), 2);

        locker.execute_batch("COMMIT").unwrap();
        assert_eq!(memory.answer_once(5, Some(1), 1_001), Ok(false));
        let other = Claim {
            message: 6,
            ..claim.clone()
        };
        assert_eq!(memory.claim(&other, 1_001), Ok(false));
        assert_eq!(memory.answer_once(6, Some(1), 1_001), Ok(true));
        assert_eq!(memory.failures(), 2, "the database answered");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
