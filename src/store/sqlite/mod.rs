//! The store in an embedded SQLite file: WAL journal (readers never wait for the writer, and a
//! killed process loses at most its last transaction), versioned migrations, one connection.
//!
//! Files: `migrations` (the schema, step by step), `claims` (the policy's claims), `records`
//! (writing a batch of records), `backend` (examples, vectors, forgetting, pruning), `stats`
//! (reading the statistics and the gaps' questions); here, opening the file.

mod backend;
mod claims;
pub(crate) mod migrations;
mod records;
mod stats;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use super::{Result, StoreError};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};

use migrations::MIGRATIONS;

/// How long a statement waits for another process's lock before it reports the database locked:
/// short, since a reply waits on it and the caller falls back to memory.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);

pub struct Sqlite {
    conn: Mutex<Connection>,
    /// This opening of the file: answers it begins and does not finish are taken over by
    /// another once its lease is over (see [`crate::memory::Memory::answer_once`]).
    run: i64,
}

fn query_error(error: rusqlite::Error) -> StoreError {
    StoreError::Database {
        message: error.to_string(),
        source: Box::new(error),
    }
}

impl Sqlite {
    /// Opens or creates the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Sqlite> {
        let name = path.display().to_string();
        let open_error = |reason: String| StoreError::Open {
            path: name.clone(),
            reason,
        };
        let mut conn = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| open_error(e.to_string()))?;
        // WAL: a crash loses at most the transaction in flight; NORMAL sync is durable against a
        // killed process (only a power loss can drop the last commits).
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| conn.pragma_update(None, "synchronous", "NORMAL"))
            .map_err(|e| open_error(e.to_string()))?;
        let version: usize = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| open_error(e.to_string()))?;
        if version > MIGRATIONS.len() {
            return Err(StoreError::Newer {
                path: name,
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction().map_err(|e| open_error(e.to_string()))?;
            tx.execute_batch(sql)
                .and_then(|_| tx.pragma_update(None, "user_version", step + 1))
                .and_then(|_| tx.commit())
                .map_err(|e| open_error(format!("migration {} failed: {e}", step + 1)))?;
        }
        Ok(Sqlite {
            conn: Mutex::new(conn),
            run: super::run_id(),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `PRAGMA integrity_check`'s answer: `ok` for a sound file.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn()
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(query_error)
    }
}

/// Ids are stored as SQLite integers (Discord's fit in 63 bits).
macro_rules! sql_id {
    ($($id:ty),*) => {$(
        impl rusqlite::ToSql for $id {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(to_i64(self.get()).into())
            }
        }

        impl rusqlite::types::FromSql for $id {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(value).map(|n| Self(n as u64))
            }
        }
    )*};
}

sql_id!(ChannelId, GuildId, MessageId, UserId);

fn to_i64(n: u64) -> i64 {
    n as i64
}

/// The schema version a database file has, without changing it; `None` if it cannot be read.
pub fn schema_version(path: &Path) -> Option<usize> {
    let conn = Connection::open(path).ok()?;
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .optional()
        .ok()
        .flatten()
}
