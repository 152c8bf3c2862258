//! The policy's claims (cooldowns, threads seen, messages answered) as single statements, so that
//! two processes on one file never both win a claim.

use rusqlite::{params, OptionalExtension};

use super::{query_error, to_i64, Sqlite};
use crate::memory::{self, Claim, Memory, PlaceSeen};

impl Memory for Sqlite {
    fn claim(&self, claim: &Claim, now_ms: u64) -> memory::Result<bool> {
        // One statement: insert, or take over an expired claim. A row comes back only when this
        // call wrote it, so of two processes racing for one slot exactly one wins.
        let won = self
            .conn()
            .prepare_cached(
                "INSERT INTO claims (place, entry, until_ms, message) VALUES (?1, ?2, ?3, ?5)
                 ON CONFLICT (place, entry) DO UPDATE
                 SET until_ms = excluded.until_ms, message = excluded.message
                 WHERE claims.until_ms <= ?4 OR claims.message = excluded.message
                 RETURNING 1",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        to_i64(claim.place),
                        claim.entry,
                        to_i64(claim.until_ms),
                        to_i64(now_ms),
                        to_i64(claim.message)
                    ],
                    |_| Ok(()),
                )
                .optional()
            })
            .map_err(query_error)?;
        Ok(won.is_some())
    }

    fn release(&self, claim: &Claim) -> memory::Result<()> {
        // By the message that holds it, as in PostgreSQL (whose expiry its own clock sets).
        self.conn()
            .prepare_cached("DELETE FROM claims WHERE place = ?1 AND entry = ?2 AND message = ?3")
            .and_then(|mut s| {
                s.execute(params![
                    to_i64(claim.place),
                    claim.entry,
                    to_i64(claim.message)
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

    fn answer_once(&self, message: u64, place: Option<u64>, now_ms: u64) -> memory::Result<bool> {
        // A row comes back when this call wrote it: the first time, or when it takes over an
        // answer that another run began and did not finish, once that run's lease is over (a run
        // that never took one, a test's or the demo's, keeps its answers).
        let won = self
            .conn()
            .prepare_cached(
                "INSERT INTO answered (message, at_ms, place, run, done) VALUES (?1, ?2, ?3, ?4, 0)
                 ON CONFLICT (message) DO UPDATE SET at_ms = excluded.at_ms, run = excluded.run
                 WHERE answered.done = 0 AND answered.run <> excluded.run
                   AND EXISTS (SELECT 1 FROM runs
                               WHERE runs.run = answered.run AND runs.lease_until_ms <= ?2)
                 RETURNING 1",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![to_i64(message), to_i64(now_ms), place.map(to_i64), self.run],
                    |_| Ok(()),
                )
                .optional()
            })
            .map_err(query_error)?;
        Ok(won.is_some())
    }

    fn finish(&self, message: u64) -> memory::Result<()> {
        self.conn()
            .prepare_cached("UPDATE answered SET done = 1 WHERE message = ?1")
            .and_then(|mut s| s.execute(params![to_i64(message)]))
            .map_err(query_error)?;
        Ok(())
    }

    fn places(&self, within_ms: u64, now_ms: u64) -> memory::Result<Vec<PlaceSeen>> {
        let conn = self.conn();
        let mut statement = conn
            .prepare_cached(
                "SELECT a.place, MAX(a.message),
                        MIN(CASE WHEN a.done = 0 AND a.run <> ?2 AND r.run IS NOT NULL THEN a.message END),
                        MAX(CASE WHEN a.done = 0 AND a.run <> ?2 AND r.lease_until_ms > ?3
                                 THEN r.lease_until_ms - ?3 END)
                 FROM answered a LEFT JOIN runs r ON r.run = a.run
                 WHERE a.place IS NOT NULL AND a.at_ms >= ?1 GROUP BY a.place",
            )
            .map_err(query_error)?;
        let since = to_i64(now_ms.saturating_sub(within_ms));
        let rows = statement
            .query_map(params![since, self.run, to_i64(now_ms)], |row| {
                Ok(PlaceSeen {
                    place: row.get::<_, i64>(0)? as u64,
                    newest: row.get::<_, i64>(1)? as u64,
                    unfinished: row.get::<_, Option<i64>>(2)?.map(|m| m as u64),
                    held_for_ms: row.get::<_, Option<i64>>(3)?.map(|ms| ms as u64),
                })
            })
            .map_err(query_error)?;
        Ok(rows.collect::<Result<_, _>>().map_err(query_error)?)
    }

    fn hold_lease(&self, for_ms: u64, now_ms: u64) -> memory::Result<()> {
        // Leases long over are swept here: a run that died leaves its row behind.
        let until = to_i64(now_ms + for_ms);
        let swept = to_i64(now_ms.saturating_sub(crate::time::DAY_MS));
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO runs (run, lease_until_ms) VALUES (?1, ?2)
             ON CONFLICT (run) DO UPDATE SET lease_until_ms = excluded.lease_until_ms",
        )
        .and_then(|mut s| s.execute(params![self.run, until]))
        .and_then(|_| {
            conn.prepare_cached("DELETE FROM runs WHERE lease_until_ms < ?1")
                .and_then(|mut s| s.execute([swept]))
        })
        .map_err(query_error)?;
        Ok(())
    }

    fn end_lease(&self, now_ms: u64) -> memory::Result<()> {
        self.conn()
            .prepare_cached("UPDATE runs SET lease_until_ms = ?2 WHERE run = ?1")
            .and_then(|mut s| s.execute(params![self.run, to_i64(now_ms)]))
            .map_err(query_error)?;
        Ok(())
    }
}
