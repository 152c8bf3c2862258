//! The schema in PostgreSQL: the same steps as the SQLite store's (`sqlite::migrations`), so that
//! a version means the same tables in both; in PostgreSQL's types, and with two columns renamed
//! because PostgreSQL reserves their names (`user` is `user_id`, `by` is `by_user`).

use r2d2_postgres::postgres::Client;

use super::query_error;
use crate::store::{Result, StoreError};

/// One step per version, as in SQLite: `schema_version` holds the steps applied. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE claims (
        place BIGINT NOT NULL,
        entry TEXT NOT NULL,
        until_ms BIGINT NOT NULL,
        PRIMARY KEY (place, entry)
    );
    CREATE TABLE threads_seen (thread BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL);
    CREATE TABLE answered (message BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL);
    CREATE TABLE shown (
        id BIGSERIAL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        how TEXT NOT NULL,
        guild BIGINT,
        channel BIGINT NOT NULL,
        message BIGINT,
        user_id BIGINT,
        entry TEXT NOT NULL,
        score REAL,
        reply BIGINT NOT NULL
    );
    CREATE TABLE outcomes (
        reply BIGINT PRIMARY KEY,
        outcome TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX shown_at ON shown (at_ms);
    CREATE INDEX shown_reply ON shown (reply);
    CREATE INDEX shown_user ON shown (user_id);
    CREATE TABLE unmatched (
        id BIGSERIAL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        guild BIGINT,
        channel BIGINT NOT NULL,
        message BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL
    );
    CREATE INDEX unmatched_at ON unmatched (at_ms);
    CREATE TABLE examples (
        id BIGSERIAL PRIMARY KEY,
        entry TEXT NOT NULL,
        text TEXT NOT NULL,
        positive BOOLEAN NOT NULL,
        at_ms BIGINT NOT NULL,
        channel BIGINT,
        message BIGINT,
        author BIGINT,
        reply BIGINT,
        by_user BIGINT
    );
    CREATE INDEX examples_entry ON examples (entry, positive, at_ms);",
    // 2: the model's vectors of entry texts.
    "CREATE TABLE vectors (
        model TEXT NOT NULL,
        text_hash BYTEA NOT NULL,
        vector BYTEA NOT NULL,
        PRIMARY KEY (model, text_hash)
    );",
    // 3: where each answered message was and whether its answer finished; which message holds
    // each cooldown slot.
    "ALTER TABLE answered ADD COLUMN place BIGINT;
    ALTER TABLE answered ADD COLUMN run BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE answered ADD COLUMN done BOOLEAN NOT NULL DEFAULT TRUE;
    CREATE INDEX answered_at ON answered (at_ms);
    ALTER TABLE claims ADD COLUMN message BIGINT NOT NULL DEFAULT 0;",
    // 4: examples learned from a channel's history, and how far each channel's history was read.
    "ALTER TABLE examples ADD COLUMN from_history BOOLEAN NOT NULL DEFAULT FALSE;
    CREATE INDEX examples_message ON examples (message);
    CREATE TABLE history_read (
        channel BIGINT PRIMARY KEY,
        newest BIGINT NOT NULL,
        oldest BIGINT NOT NULL
    );",
    // 5: a counter of what the matcher learns from, watched by every process.
    "CREATE TABLE teaching (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
    INSERT INTO teaching (id, version) VALUES (1, 0);",
    // 6: when the next gateway IDENTIFY may be sent, for processes starting together.
    "CREATE TABLE identify_turns (id INTEGER PRIMARY KEY CHECK (id = 1), free_ms BIGINT NOT NULL);",
    // 7: every server its own memory (see the SQLite step).
    "ALTER TABLE examples ADD COLUMN guild BIGINT;
    CREATE INDEX examples_guild ON examples (guild, entry, positive, at_ms);
    CREATE INDEX shown_guild ON shown (guild, at_ms);
    CREATE INDEX unmatched_guild ON unmatched (guild, at_ms);
    CREATE TABLE taught (guild BIGINT PRIMARY KEY, version BIGINT NOT NULL);",
    // 8: each running process's lease (see the SQLite step), by the database's clock.
    "CREATE TABLE runs (run BIGINT PRIMARY KEY, lease_until_ms BIGINT NOT NULL);",
    // 9: staff answers linking a page no entry links, and each server's last digest week (see
    // the SQLite step).
    "CREATE TABLE staff_pages (
        message BIGINT NOT NULL,
        page TEXT NOT NULL,
        guild BIGINT,
        channel BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        text TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        reply BIGINT NOT NULL,
        by_user BIGINT NOT NULL,
        PRIMARY KEY (message, page)
    );
    CREATE INDEX staff_pages_guild ON staff_pages (guild, at_ms);
    CREATE TABLE digests (guild BIGINT PRIMARY KEY, week BIGINT NOT NULL);",
];

/// The steps this faqbot knows.
pub(super) const KNOWN: usize = MIGRATIONS.len();

/// Any number, the same in every faqbot: the lock that lets one process at a time migrate.
const MIGRATION_LOCK: i64 = 0x6661_7162_6f74; // "faqbot"

/// Brings the schema up to date in one transaction (PostgreSQL's DDL is transactional); processes
/// starting together wait for each other on an advisory lock, so each step runs once.
pub(super) fn apply(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction().map_err(query_error)?;
    // A migration of a big table may take longer than a claim may; so may waiting for the lock.
    tx.batch_execute("SET LOCAL statement_timeout = 0")
        .map_err(query_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(query_error)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(query_error)?;
    let version: Option<i32> = tx
        .query_opt("SELECT version FROM schema_version", &[])
        .map_err(query_error)?
        .map(|row| row.get(0));
    let version = match version {
        Some(version) => version as usize,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])
                .map_err(query_error)?;
            0
        }
    };
    if version > KNOWN {
        return Err(StoreError::Newer {
            path: String::new(),
            found: version,
            known: KNOWN,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.batch_execute(sql)
            .and_then(|_| {
                tx.execute(
                    "UPDATE schema_version SET version = $1",
                    &[&((step + 1) as i32)],
                )
            })
            .map_err(|e| StoreError::Query(format!("migration {} failed: {e}", step + 1)))?;
    }
    tx.commit().map_err(query_error)
}
