//! The policy's memory in the database, with this process's memory as a fallback: a locked or
//! full database must not stop the bot from answering.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Backend, Throttle};
use crate::memory::{self, Claim, InMemory, Memory};

pub struct Resilient {
    primary: Arc<dyn Backend>,
    fallback: InMemory,
    throttle: Throttle,
    failures: AtomicU64,
}

impl Resilient {
    pub(super) fn new(primary: Arc<dyn Backend>) -> Self {
        Resilient {
            primary,
            fallback: InMemory::default(),
            throttle: Throttle::new(),
            failures: AtomicU64::new(0),
        }
    }

    /// How often the database failed and this process's memory answered instead.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    fn either<T>(
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
                self.throttle.error(|held_back| {
                    tracing::error!(
                        held_back,
                        "cannot use the database for cooldowns: {error}; keeping them in memory until it works again"
                    )
                });
                fallback(&self.fallback)
            }
        }
    }
}

impl Memory for Resilient {
    fn claim(&self, claim: &Claim, now_ms: u64) -> memory::Result<bool> {
        self.either(self.primary.claim(claim, now_ms), |m| {
            m.claim(claim, now_ms)
        })
    }

    fn release(&self, claim: &Claim) -> memory::Result<()> {
        // Either may hold it; giving back one that is not held changes nothing.
        let _ = self.fallback.release(claim);
        self.either(self.primary.release(claim), |_| Ok(()))
    }

    fn held_until(&self, place: u64, entry: &str) -> memory::Result<Option<u64>> {
        self.either(self.primary.held_until(place, entry), |m| {
            m.held_until(place, entry)
        })
    }

    fn see_thread(&self, thread: u64, now_ms: u64) -> memory::Result<bool> {
        self.either(self.primary.see_thread(thread, now_ms), |m| {
            m.see_thread(thread, now_ms)
        })
    }

    fn answer_once(&self, message: u64, now_ms: u64) -> memory::Result<bool> {
        self.either(self.primary.answer_once(message, now_ms), |m| {
            m.answer_once(message, now_ms)
        })
    }
}
