//! The policy's claims (cooldowns, threads seen, messages answered) as single statements that
//! say whether this call won, timed by the database's clock: of several processes racing for one
//! claim exactly one wins, whatever their own clocks say.

use r2d2_postgres::postgres::types::Type;

use super::{now_ms, query_error, Postgres};
use crate::memory::{self, Claim, Memory, PlaceSeen};
use crate::store::off_runtime;

// Each statement is sent with its parameters' types (`query_typed`): one round trip, where a
// plain query would first ask the server to prepare it.

/// The statement's `now`: the time passed as `$n`, or the database's clock when it is NULL.
macro_rules! now {
    ($n:literal) => {
        concat!("COALESCE($", $n, "::BIGINT, ", now_ms!(), ")")
    };
}

impl Memory for Postgres {
    fn claim(&self, claim: &Claim, now_ms: u64) -> memory::Result<bool> {
        // The slot lasts as long as the caller asked, from the database's now.
        let lasts = claim.until_ms.saturating_sub(now_ms) as i64;
        let won = off_runtime(|| {
            self.conn()?
                .query_typed_opt(
                    concat!(
                        "WITH t AS (SELECT ",
                        now!(4),
                        " AS now)
                         INSERT INTO claims (place, entry, until_ms, message)
                         SELECT $1, $2, t.now + $3, $5 FROM t
                         ON CONFLICT (place, entry) DO UPDATE
                         SET until_ms = excluded.until_ms, message = excluded.message
                         WHERE claims.until_ms <= (SELECT now FROM t)
                            OR claims.message = excluded.message
                         RETURNING 1"
                    ),
                    &[
                        (&(claim.place as i64), Type::INT8),
                        (&claim.entry, Type::TEXT),
                        (&lasts, Type::INT8),
                        (&self.now(now_ms), Type::INT8),
                        (&(claim.message as i64), Type::INT8),
                    ],
                )
                .map_err(query_error)
        })?;
        Ok(won.is_some())
    }

    fn release(&self, claim: &Claim) -> memory::Result<()> {
        // By the message that holds it: the database's clock set its expiry, not the caller's.
        off_runtime(|| {
            self.conn()?
                .execute(
                    "DELETE FROM claims WHERE place = $1 AND entry = $2 AND message = $3",
                    &[&(claim.place as i64), &claim.entry, &(claim.message as i64)],
                )
                .map_err(query_error)
        })?;
        Ok(())
    }

    fn held_until(&self, place: u64, entry: &str) -> memory::Result<Option<u64>> {
        let row = off_runtime(|| {
            self.conn()?
                .query_typed_opt(
                    "SELECT until_ms FROM claims WHERE place = $1 AND entry = $2",
                    &[(&(place as i64), Type::INT8), (&entry, Type::TEXT)],
                )
                .map_err(query_error)
        })?;
        Ok(row.map(|row| row.get::<_, i64>(0) as u64))
    }

    fn see_thread(&self, thread: u64, now_ms: u64) -> memory::Result<bool> {
        let first = off_runtime(|| {
            self.conn()?
                .query_typed_opt(
                    concat!(
                        "INSERT INTO threads_seen (thread, at_ms) VALUES ($1, ",
                        now!(2),
                        ") ON CONFLICT (thread) DO NOTHING RETURNING 1"
                    ),
                    &[
                        (&(thread as i64), Type::INT8),
                        (&self.now(now_ms), Type::INT8),
                    ],
                )
                .map_err(query_error)
        })?;
        Ok(first.is_some())
    }

    fn answer_once(&self, message: u64, place: Option<u64>, now_ms: u64) -> memory::Result<bool> {
        // A row comes back when this call wrote it: the first time, or when it takes over an
        // answer that another run began and did not finish, once that run's lease is over (a run
        // that never took one, a test's or the demo's, keeps its answers).
        let won = off_runtime(|| {
            self.conn()?
                .query_typed_opt(
                    concat!(
                        "WITH t AS (SELECT ",
                        now!(3),
                        " AS now)
                         INSERT INTO answered (message, at_ms, place, run, done)
                         SELECT $1, t.now, $2, $4, FALSE FROM t
                         ON CONFLICT (message) DO UPDATE SET at_ms = excluded.at_ms, run = excluded.run
                         WHERE NOT answered.done AND answered.run <> excluded.run
                           AND EXISTS (SELECT 1 FROM runs WHERE runs.run = answered.run
                                       AND runs.lease_until_ms <= (SELECT now FROM t))
                         RETURNING 1"
                    ),
                    &[
                        (&(message as i64), Type::INT8),
                        (&place.map(|p| p as i64), Type::INT8),
                        (&self.now(now_ms), Type::INT8),
                        (&self.run, Type::INT8),
                    ],
                )
                .map_err(query_error)
        })?;
        Ok(won.is_some())
    }

    fn finish(&self, message: u64) -> memory::Result<()> {
        off_runtime(|| {
            self.conn()?
                .query_typed(
                    "UPDATE answered SET done = TRUE WHERE message = $1",
                    &[(&(message as i64), Type::INT8)],
                )
                .map_err(query_error)
        })?;
        Ok(())
    }

    fn places(&self, within_ms: u64, now_ms: u64) -> memory::Result<Vec<PlaceSeen>> {
        // Both sides of each comparison by the clock that wrote the rows.
        let rows = off_runtime(|| {
            self.conn()?
                .query_typed(
                    concat!(
                        "WITH t AS (SELECT ",
                        now!(3),
                        " AS now)
                         SELECT a.place, MAX(a.message),
                                MIN(CASE WHEN NOT a.done AND a.run <> $2 AND r.run IS NOT NULL THEN a.message END),
                                MAX(CASE WHEN NOT a.done AND a.run <> $2 AND r.lease_until_ms > t.now
                                         THEN r.lease_until_ms - t.now END)
                         FROM t, answered a LEFT JOIN runs r ON r.run = a.run
                         WHERE a.place IS NOT NULL AND a.at_ms >= t.now - $1 GROUP BY a.place"
                    ),
                    &[
                        (&(within_ms.min(i64::MAX as u64) as i64), Type::INT8),
                        (&self.run, Type::INT8),
                        (&self.now(now_ms), Type::INT8),
                    ],
                )
                .map_err(query_error)
        })?;
        Ok(rows
            .iter()
            .map(|row| PlaceSeen {
                place: row.get::<_, i64>(0) as u64,
                newest: row.get::<_, i64>(1) as u64,
                unfinished: row.get::<_, Option<i64>>(2).map(|m| m as u64),
                held_for_ms: row.get::<_, Option<i64>>(3).map(|ms| ms as u64),
            })
            .collect())
    }

    fn hold_lease(&self, for_ms: u64, now_ms: u64) -> memory::Result<()> {
        // Leases long over are swept here: a run that died leaves its row behind.
        off_runtime(|| {
            let mut conn = self.conn()?;
            conn.query_typed(
                concat!(
                    "WITH t AS (SELECT ",
                    now!(3),
                    " AS now), swept AS (DELETE FROM runs WHERE lease_until_ms < (SELECT now FROM t) - $4)
                     INSERT INTO runs (run, lease_until_ms) SELECT $1, t.now + $2 FROM t
                     ON CONFLICT (run) DO UPDATE SET lease_until_ms = excluded.lease_until_ms"
                ),
                &[
                    (&self.run, Type::INT8),
                    (&(for_ms as i64), Type::INT8),
                    (&self.now(now_ms), Type::INT8),
                    (&(crate::time::DAY_MS as i64), Type::INT8),
                ],
            )
            .map_err(query_error)
        })?;
        Ok(())
    }

    fn end_lease(&self, now_ms: u64) -> memory::Result<()> {
        off_runtime(|| {
            self.conn()?
                .query_typed(
                    concat!(
                        "UPDATE runs SET lease_until_ms = ",
                        now!(2),
                        " WHERE run = $1"
                    ),
                    &[(&self.run, Type::INT8), (&self.now(now_ms), Type::INT8)],
                )
                .map_err(query_error)
        })?;
        Ok(())
    }
}
