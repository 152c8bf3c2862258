//! The policy's claims (cooldowns, threads seen, messages answered) as single statements, so that
//! two processes on one file never both win a claim.

use rusqlite::{params, OptionalExtension};

use super::{query_error, to_i64, Sqlite};
use crate::memory::{self, Claim, Memory};

impl Memory for Sqlite {
    fn claim(&self, claim: &Claim, now_ms: u64) -> memory::Result<bool> {
        // One statement: insert, or take over an expired claim. A row comes back only when this
        // call wrote it, so of two processes racing for one slot exactly one wins.
        let won = self
            .conn()
            .prepare_cached(
                "INSERT INTO claims (place, entry, until_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (place, entry) DO UPDATE SET until_ms = excluded.until_ms
                 WHERE claims.until_ms <= ?4
                 RETURNING 1",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        to_i64(claim.place),
                        claim.entry,
                        to_i64(claim.until_ms),
                        to_i64(now_ms)
                    ],
                    |_| Ok(()),
                )
                .optional()
            })
            .map_err(query_error)?;
        Ok(won.is_some())
    }

    fn release(&self, claim: &Claim) -> memory::Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM claims WHERE place = ?1 AND entry = ?2 AND until_ms = ?3")
            .and_then(|mut s| {
                s.execute(params![
                    to_i64(claim.place),
                    claim.entry,
                    to_i64(claim.until_ms)
                ])
            })
            .map_err(query_error)?;
        Ok(())
    }

    fn held_until(&self, place: u64, entry: &str) -> memory::Result<Option<u64>> {
        let until: Option<i64> = self
            .conn()
            .prepare_cached("SELECT until_ms FROM claims WHERE place = ?1 AND entry = ?2")
            .and_then(|mut s| {
                s.query_row(params![to_i64(place), entry], |row| row.get(0))
                    .optional()
            })
            .map_err(query_error)?;
        Ok(until.map(|u| u as u64))
    }

    fn see_thread(&self, thread: u64, now_ms: u64) -> memory::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached("INSERT OR IGNORE INTO threads_seen (thread, at_ms) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![to_i64(thread), to_i64(now_ms)]))
            .map_err(query_error)?;
        Ok(changed == 1)
    }

    fn answer_once(&self, message: u64, now_ms: u64) -> memory::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached("INSERT OR IGNORE INTO answered (message, at_ms) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![to_i64(message), to_i64(now_ms)]))
            .map_err(query_error)?;
        Ok(changed == 1)
    }
}
