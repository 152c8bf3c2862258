//! The store in PostgreSQL, shared by several bot processes: the same tables and migrations as
//! the SQLite store, a small connection pool, and claims decided by the database's clock.
//!
//! The store's calls are synchronous and made off the async runtime, so this backend uses the
//! synchronous `postgres` client with an `r2d2` pool, as the SQLite one uses `rusqlite`. That
//! client runs a runtime of its own for each call, which tokio forbids on a worker thread:
//! `off_runtime` (store/blocking.rs) moves a call off it wherever it comes from.
//!
//! Files: `migrations` (the schema, step by step, the same steps as SQLite's), `claims` (the
//! policy's claims as single statements), `records` (writing a batch of records), `backend`
//! (examples, vectors, forgetting, pruning), `stats` (reading the statistics and the gaps'
//! questions); here, opening the pool. The tests start a server of their own with the `faqbot-testdb` crate.

mod backend;
mod claims;
mod migrations;
mod records;
mod stats;
#[cfg(test)]
mod tests;

use std::time::Duration;

use r2d2_postgres::postgres::{self, NoTls};
use r2d2_postgres::PostgresConnectionManager;

use super::{off_runtime, Result, StoreError};

/// Connections each process keeps at most: the writer thread, and the handlers' claims and reads
/// (each a statement of a millisecond). With the default `max_connections` of 100 and 3 kept for
/// superusers, up to 24 processes fit.
pub const POOL_SIZE: u32 = 4;
/// How long a call waits for a connection: short, since a reply waits on it and the bot stays
/// quiet rather than late while the database is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest a statement may run: a claim takes a millisecond, and a database that holds one
/// for seconds (a lock held elsewhere, an overloaded server) should fail it, so that the bot stays
/// quiet rather than wait forever. Pruning and migrations, which may take longer on big tables,
/// lift it for their own transaction.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// TCP keepalives: a connection that died silently (a failover, a NAT's timeout) is found within
/// a minute instead of hours of hanging calls.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;
type Connection = r2d2::PooledConnection<PostgresConnectionManager<NoTls>>;

/// Whose clock decides when claims expire and when answers were begun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The database's `now()`: one clock for every process (production).
    Server,
    /// The times the caller passes, as the SQLite store does (the shared contract tests).
    Caller,
}

pub struct Postgres {
    /// Always there until the store is dropped (see its `Drop`).
    pool: Option<Pool>,
    clock: Clock,
    /// This process's run: answers it begins and does not finish are taken over by another once
    /// its lease is over (see [`crate::memory::Memory::answer_once`]).
    run: i64,
}

fn query_error(error: postgres::Error) -> StoreError {
    // The client's own words for a database's error are only "db error": the database's message
    // says what happened (a statement timeout, a constraint).
    let message = match error.as_db_error() {
        Some(db) => format!("PostgreSQL: {}", db.message()),
        None => error.to_string(),
    };
    StoreError::Database {
        message,
        source: Box::new(error),
    }
}

/// The URL as it may be shown: without its password.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "the configured postgres:// URL".to_owned(),
    }
}

impl Drop for Postgres {
    /// The sync client closes each connection through a runtime of its own, which panics on an
    /// async worker: wherever the last handle goes (a stopping bot's task, say), the pool is
    /// closed on a thread of its own.
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user:password@host:port/database`), and brings the schema
    /// up to date.
    pub fn open(url: &str) -> Result<Postgres> {
        Postgres::open_with(url, Clock::Server)
    }

    pub fn open_with(url: &str, clock: Clock) -> Result<Postgres> {
        let open_error = |reason: String| StoreError::Open {
            path: redacted(url),
            reason,
        };
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| open_error(e.to_string()))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        let options = format!(
            "{} -c statement_timeout={}",
            config.get_options().unwrap_or_default(),
            STATEMENT_TIMEOUT.as_millis()
        );
        config.options(options.trim_start());
        if config.get_application_name().is_none() {
            config.application_name("faqbot");
        }
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = off_runtime(|| {
            r2d2::Pool::builder()
                .max_size(POOL_SIZE)
                .min_idle(Some(1))
                .connection_timeout(CONNECT_TIMEOUT)
                // r2d2 logs through `log`, which this program does not show: errors come back
                // to the caller instead, who says them once.
                .error_handler(Box::new(r2d2::NopErrorHandler))
                .build(manager)
        })
        .map_err(|e| open_error(e.to_string()))?;
        let mut conn = off_runtime(|| pool.get()).map_err(|e| open_error(e.to_string()))?;
        off_runtime(|| migrations::apply(&mut conn)).map_err(|error| match error {
            StoreError::Newer { found, known, .. } => StoreError::Newer {
                path: redacted(url),
                found,
                known,
            },
            StoreError::Query(reason)
            | StoreError::Database {
                message: reason, ..
            } => open_error(reason),
            other => other,
        })?;
        Ok(Postgres {
            pool: Some(pool),
            clock,
            run: super::run_id(),
        })
    }

    /// A connection from the pool, or the error that the database is unreachable.
    fn conn(&self) -> Result<Connection> {
        let pool = self
            .pool
            .as_ref()
            .ok_or_else(|| StoreError::Query("the store is closing".into()))?;
        pool.get().map_err(|error| {
            // Every connection open and taken: the database answers, this process is busy.
            let state = pool.state();
            if state.connections >= POOL_SIZE && state.idle_connections == 0 {
                StoreError::Query(format!(
                    "all {POOL_SIZE} connections to PostgreSQL are busy (waited {} s): the database is slow or this process overloaded",
                    CONNECT_TIMEOUT.as_secs()
                ))
            } else {
                StoreError::Query(format!("cannot reach PostgreSQL: {error}"))
            }
        })
    }

    /// The time to pass as the statement's `now`: `None` lets the database's clock decide.
    fn now(&self, now_ms: u64) -> Option<i64> {
        match self.clock {
            Clock::Server => None,
            Clock::Caller => Some(now_ms as i64),
        }
    }
}

/// The database's clock in Unix milliseconds, as SQL.
macro_rules! now_ms {
    () => {
        "(extract(epoch from now()) * 1000)::bigint"
    };
}
use now_ms;
