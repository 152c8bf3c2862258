//! The store in an embedded SQLite file: WAL journal (readers never wait for the writer, and a
//! killed process loses at most its last transaction), versioned migrations, one connection.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    Backend, DayStats, EntryStats, Example, Forgotten, Record, Result, Stats, StoreError, TextHash,
    TEXT_MAX_CHARS,
};
use crate::memory::{self, Claim, Memory};

/// The schema, one step per version: `user_version` counts the steps applied. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE claims (
        place INTEGER NOT NULL,
        entry TEXT NOT NULL,
        until_ms INTEGER NOT NULL,
        PRIMARY KEY (place, entry)
    ) WITHOUT ROWID;
    CREATE TABLE threads_seen (thread INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
    CREATE TABLE answered (message INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
    CREATE TABLE shown (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        how TEXT NOT NULL,
        guild INTEGER,
        channel INTEGER NOT NULL,
        message INTEGER,
        user INTEGER,
        entry TEXT NOT NULL,
        score REAL,
        reply INTEGER NOT NULL
    );
    CREATE TABLE outcomes (
        reply INTEGER PRIMARY KEY,
        outcome TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX shown_at ON shown (at_ms);
    CREATE INDEX shown_reply ON shown (reply);
    CREATE INDEX shown_user ON shown (user);
    CREATE TABLE unmatched (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        guild INTEGER,
        channel INTEGER NOT NULL,
        message INTEGER NOT NULL,
        user INTEGER NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL
    );
    CREATE INDEX unmatched_at ON unmatched (at_ms);
    CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        entry TEXT NOT NULL,
        text TEXT NOT NULL,
        positive INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        channel INTEGER,
        message INTEGER,
        author INTEGER,
        reply INTEGER,
        by INTEGER
    );
    CREATE INDEX examples_entry ON examples (entry, positive, at_ms);",
    // 2: the model's vectors of entry texts, so that a restart does not embed the FAQ again.
    "CREATE TABLE vectors (
        model TEXT NOT NULL,
        text_hash BLOB NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;",
];

/// How long a statement waits for another process's lock before it reports the database locked:
/// short, since a reply waits on it and the caller falls back to memory.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);
/// Unmatched messages are grouped by their first this many characters, lowercased.
const KEY_CHARS: usize = 100;

pub struct Sqlite {
    conn: Mutex<Connection>,
}

fn query_error(error: rusqlite::Error) -> StoreError {
    StoreError::Query(error.to_string())
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

fn to_i64(n: u64) -> i64 {
    n as i64
}

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

/// The grouping key of an unmatched message: lowercase words, first characters only.
fn unmatched_key(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| w.to_lowercase()).collect();
    words.join(" ").chars().take(KEY_CHARS).collect()
}

fn cut(text: &str) -> &str {
    match text.char_indices().nth(TEXT_MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

impl Backend for Sqlite {
    fn write(&self, records: &[Record]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        for record in records {
            match record {
                Record::Shown {
                    at_ms,
                    how,
                    guild,
                    channel,
                    message,
                    user,
                    entry,
                    score,
                    reply,
                } => tx
                    .prepare_cached(
                        "INSERT INTO shown (at_ms, how, guild, channel, message, user, entry, score, reply)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            to_i64(*at_ms),
                            how.as_str(),
                            guild.map(to_i64),
                            to_i64(*channel),
                            message.map(to_i64),
                            user.map(to_i64),
                            entry,
                            score,
                            to_i64(*reply)
                        ])
                    }),
                // Kept apart from `shown`: a click can be recorded before the post it is on.
                Record::Outcome { reply, outcome } => tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO outcomes (reply, outcome, at_ms) VALUES (?1, ?2, ?3)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![to_i64(*reply), outcome.as_str(), to_i64(crate::time::now_ms())])
                    }),
                Record::Unmatched {
                    at_ms,
                    guild,
                    channel,
                    message,
                    user,
                    text,
                } => tx
                    .prepare_cached(
                        "INSERT INTO unmatched (at_ms, guild, channel, message, user, text, key)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            to_i64(*at_ms),
                            guild.map(to_i64),
                            to_i64(*channel),
                            to_i64(*message),
                            to_i64(*user),
                            cut(text),
                            unmatched_key(text)
                        ])
                    }),
            }
            .map_err(query_error)?;
        }
        tx.commit().map_err(query_error)
    }

    fn add_example(&self, example: &Example, cap: usize) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        tx.execute(
            "INSERT INTO examples (entry, text, positive, at_ms, channel, message, author, reply, by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                example.entry,
                cut(&example.text),
                example.positive,
                to_i64(example.at_ms),
                example.channel.map(to_i64),
                example.message.map(to_i64),
                example.author.map(to_i64),
                example.reply.map(to_i64),
                example.by.map(to_i64)
            ],
        )
        .map_err(query_error)?;
        if example.positive {
            tx.execute(
                "DELETE FROM examples WHERE entry = ?1 AND positive AND id NOT IN
                 (SELECT id FROM examples WHERE entry = ?1 AND positive
                  ORDER BY at_ms DESC, id DESC LIMIT ?2)",
                params![example.entry, cap as i64],
            )
            .map_err(query_error)?;
        }
        tx.commit().map_err(query_error)
    }

    fn remove_link(&self, id: u64) -> Result<Vec<Example>> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        let removed = select_examples(
            &tx,
            "WHERE positive AND (reply = ?1 OR message = ?1)",
            params![to_i64(id)],
        )?;
        tx.execute(
            "DELETE FROM examples WHERE positive AND (reply = ?1 OR message = ?1)",
            params![to_i64(id)],
        )
        .map_err(query_error)?;
        tx.commit().map_err(query_error)?;
        Ok(removed)
    }

    fn examples(&self) -> Result<Vec<Example>> {
        select_examples(&self.conn(), "", [])
    }

    fn vectors(&self, model: &str, hashes: &[TextHash]) -> Result<Vec<Option<Vec<f32>>>> {
        let conn = self.conn();
        let mut select = conn
            .prepare_cached("SELECT vector FROM vectors WHERE model = ?1 AND text_hash = ?2")
            .map_err(query_error)?;
        hashes
            .iter()
            .map(|hash| {
                select
                    .query_row(params![model, &hash[..]], |row| row.get::<_, Vec<u8>>(0))
                    .optional()
                    .map(|bytes| bytes.map(|b| super::vector_from_bytes(&b)))
                    .map_err(query_error)
            })
            .collect()
    }

    fn save_vectors(&self, model: &str, vectors: &[(TextHash, Vec<f32>)]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO vectors (model, text_hash, vector) VALUES (?1, ?2, ?3)",
                )
                .map_err(query_error)?;
            for (hash, vector) in vectors {
                insert
                    .execute(params![model, &hash[..], super::vector_to_bytes(vector)])
                    .map_err(query_error)?;
            }
        }
        tx.commit().map_err(query_error)
    }

    fn stats(&self, since_ms: u64, top: usize) -> Result<Stats> {
        let conn = self.conn();
        let since = to_i64(since_ms);
        let mut entries = conn
            .prepare(
                "SELECT entry,
                    SUM(how = 'auto'), SUM(how = 'faq'), SUM(how = 'link'),
                    SUM(outcome IS 'solved'), SUM(outcome IS 'not-it'), SUM(outcome IS 'dismissed')
                 FROM shown LEFT JOIN outcomes USING (reply) WHERE shown.at_ms >= ?1
                 GROUP BY entry ORDER BY COUNT(*) DESC, entry",
            )
            .and_then(|mut s| {
                s.query_map([since], |row| {
                    Ok(EntryStats {
                        entry: row.get(0)?,
                        auto: row.get(1)?,
                        faq: row.get(2)?,
                        link: row.get(3)?,
                        solved: row.get(4)?,
                        not_it: row.get(5)?,
                        dismissed: row.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(query_error)?;
        entries.sort_by(|a, b| b.shown().cmp(&a.shown()).then(a.entry.cmp(&b.entry)));
        let days = conn
            .prepare(
                "SELECT date(shown.at_ms / 1000, 'unixepoch') AS day, COUNT(*),
                    SUM(outcome IS 'solved'), SUM(IFNULL(outcome, '') IN ('not-it', 'dismissed'))
                 FROM shown LEFT JOIN outcomes USING (reply)
                 WHERE shown.at_ms >= ?1 AND how = 'auto' GROUP BY day ORDER BY day",
            )
            .and_then(|mut s| {
                s.query_map([since], |row| {
                    Ok(DayStats {
                        day: row.get(0)?,
                        suggestions: row.get(1)?,
                        solved: row.get(2)?,
                        unhelpful: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(query_error)?;
        let unmatched = conn
            .prepare(
                "SELECT MIN(text), COUNT(*) AS n FROM unmatched WHERE at_ms >= ?1
                 GROUP BY key ORDER BY n DESC, MAX(at_ms) DESC LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![since, top as i64], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(query_error)?;
        Ok(Stats {
            entries,
            days,
            unmatched,
        })
    }

    fn forget(&self, user: u64) -> Result<Forgotten> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        let user = to_i64(user);
        tx.execute(
            "DELETE FROM outcomes WHERE reply IN (SELECT reply FROM shown WHERE user = ?1)",
            [user],
        )
        .map_err(query_error)?;
        let forgotten = Forgotten {
            events: tx
                .execute("DELETE FROM shown WHERE user = ?1", [user])
                .map_err(query_error)?,
            examples: tx
                .execute("DELETE FROM examples WHERE author = ?1 OR by = ?1", [user])
                .map_err(query_error)?,
            unmatched: tx
                .execute("DELETE FROM unmatched WHERE user = ?1", [user])
                .map_err(query_error)?,
        };
        tx.commit().map_err(query_error)?;
        Ok(forgotten)
    }

    fn prune(&self, before_ms: u64, now_ms: u64) -> Result<()> {
        let remember_since = to_i64(now_ms.saturating_sub(memory::CLAIMS_KEPT_MS));
        let (before, now) = (to_i64(before_ms), to_i64(now_ms));
        self.conn()
            .execute_batch(&format!(
                "BEGIN;
                 DELETE FROM shown WHERE at_ms < {before};
                 DELETE FROM outcomes WHERE at_ms < {before};
                 DELETE FROM unmatched WHERE at_ms < {before};
                 DELETE FROM claims WHERE until_ms <= {now};
                 DELETE FROM threads_seen WHERE at_ms < {remember_since};
                 DELETE FROM answered WHERE at_ms < {remember_since};
                 COMMIT;"
            ))
            .map_err(query_error)
    }
}

fn select_examples(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Example>> {
    let sql = format!(
        "SELECT entry, text, positive, at_ms, channel, message, author, reply, by FROM examples {filter}
         ORDER BY at_ms, id"
    );
    let from_i64 = |n: Option<i64>| n.map(|n| n as u64);
    conn.prepare(&sql)
        .and_then(|mut s| {
            s.query_map(params, |row| {
                Ok(Example {
                    entry: row.get(0)?,
                    text: row.get(1)?,
                    positive: row.get(2)?,
                    at_ms: row.get::<_, i64>(3)? as u64,
                    channel: from_i64(row.get(4)?),
                    message: from_i64(row.get(5)?),
                    author: from_i64(row.get(6)?),
                    reply: from_i64(row.get(7)?),
                    by: from_i64(row.get(8)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(query_error)
}

/// The schema version a database file has, without changing it; `None` if it cannot be read.
pub fn schema_version(path: &Path) -> Option<usize> {
    let conn = Connection::open(path).ok()?;
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .optional()
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Outcome, Shown};

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("faqbot-sqlite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("faqbot.db")
    }

    #[test]
    fn keeps_the_memory_contract() {
        let db = Sqlite::open(&temp("contract")).unwrap();
        crate::memory::check_contract(&db);
    }

    #[test]
    fn two_connections_never_both_win_a_claim() {
        let path = temp("two");
        let (a, b) = (Sqlite::open(&path).unwrap(), Sqlite::open(&path).unwrap());
        let claim = Claim {
            place: 1,
            entry: "cost".into(),
            until_ms: 2_000,
        };
        assert_eq!(a.claim(&claim, 1_000), Ok(true));
        assert_eq!(b.claim(&claim, 1_500), Ok(false));
        assert_eq!(
            b.claim(
                &Claim {
                    until_ms: 3_000,
                    ..claim
                },
                2_000
            ),
            Ok(true)
        );
    }

    #[test]
    fn refuses_a_database_from_a_newer_faqbot_and_leaves_it_alone() {
        let path = temp("newer");
        drop(Sqlite::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let error = Sqlite::open(&path).err().expect("refused");
        assert!(
            matches!(error, StoreError::Newer { found: 99, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer faqbot"), "{error}");
        assert_eq!(schema_version(&path), Some(99));
    }

    #[test]
    fn examples_are_capped_per_entry_oldest_dropped_and_unlinked() {
        let db = Sqlite::open(&temp("examples")).unwrap();
        for n in 0..5u64 {
            let example = Example {
                entry: "cost".into(),
                text: format!("text {n}"),
                positive: true,
                at_ms: n,
                channel: Some(2),
                message: Some(100 + n),
                author: Some(7),
                reply: Some(200 + n),
                by: Some(9),
            };
            db.add_example(&example, 3).unwrap();
        }
        let negative = Example {
            entry: "cost".into(),
            text: "not this".into(),
            positive: false,
            at_ms: 9,
            channel: Some(2),
            message: Some(300),
            author: Some(8),
            reply: None,
            by: Some(8),
        };
        db.add_example(&negative, 3).unwrap();
        let texts: Vec<String> = db.examples().unwrap().into_iter().map(|e| e.text).collect();
        assert_eq!(texts, ["text 2", "text 3", "text 4", "not this"]);

        // By the bot's reply or by the member's message; negatives stay.
        assert_eq!(db.remove_link(203).unwrap().len(), 1);
        assert_eq!(db.remove_link(104).unwrap()[0].text, "text 4");
        assert_eq!(db.remove_link(300).unwrap().len(), 0);
        assert_eq!(db.examples().unwrap().len(), 2);
    }

    #[test]
    fn stats_count_shown_outcomes_days_and_unmatched_and_forget_removes_a_user() {
        let db = Sqlite::open(&temp("stats")).unwrap();
        let day = crate::time::DAY_MS;
        let shown = |at_ms, how, entry: &str, reply, user| Record::Shown {
            at_ms,
            how,
            guild: Some(1),
            channel: 2,
            message: Some(reply + 1000),
            user: Some(user),
            entry: entry.into(),
            score: Some(0.8),
            reply,
        };
        let unmatched = |at_ms, text: &str, user| Record::Unmatched {
            at_ms,
            guild: Some(1),
            channel: 2,
            message: at_ms,
            user,
            text: text.into(),
        };
        db.write(&[
            shown(10 * day, Shown::Auto, "cost", 1, 7),
            shown(10 * day + 5, Shown::Auto, "cost", 2, 8),
            shown(11 * day, Shown::Faq, "cost", 3, 7),
            shown(11 * day, Shown::Link, "500-error", 4, 8),
            shown(11 * day + 1, Shown::Auto, "500-error", 5, 8),
            Record::Outcome {
                reply: 1,
                outcome: Outcome::Solved,
            },
            Record::Outcome {
                reply: 2,
                outcome: Outcome::NotIt,
            },
            unmatched(10 * day, "How do I  add a tenant?", 7),
            unmatched(10 * day + 1, "how do i add a TENANT?", 8),
            unmatched(10 * day + 2, "hello", 8),
            // Older than the period asked for.
            shown(day, Shown::Auto, "old", 6, 7),
        ])
        .unwrap();
        let stats = db.stats(2 * day, 10).unwrap();
        let cost = &stats.entries[0];
        assert_eq!(
            (
                cost.entry.as_str(),
                cost.auto,
                cost.faq,
                cost.link,
                cost.solved,
                cost.not_it
            ),
            ("cost", 2, 1, 0, 1, 1)
        );
        assert_eq!(cost.helpful_rate(), Some(0.5));
        assert_eq!(stats.entries[1].entry, "500-error");
        assert_eq!(stats.entries[1].helpful_rate(), None);
        assert_eq!(stats.entries.len(), 2);
        let days: Vec<(&str, u64)> = stats
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.suggestions))
            .collect();
        assert_eq!(days, [("1970-01-11", 2), ("1970-01-12", 1)]);
        assert_eq!(stats.unmatched[0].1, 2);
        assert!(stats.unmatched[0].0.to_lowercase().contains("add a tenant"));

        let forgotten = db.forget(8).unwrap();
        assert_eq!((forgotten.events, forgotten.unmatched), (3, 2));
        let stats = db.stats(0, 10).unwrap();
        assert_eq!(stats.unmatched.len(), 1);
        assert_eq!(stats.entries.iter().map(|e| e.shown()).sum::<u64>(), 3);

        db.prune(10 * day + 1, 10 * day + 1).unwrap();
        let stats = db.stats(0, 10).unwrap();
        assert_eq!(stats.entries.iter().map(|e| e.shown()).sum::<u64>(), 1);
        assert!(stats.unmatched.is_empty());
    }
}
