//! What the store keeps: records in batches, learned examples within their cap, the model's
//! vectors, statistics, forgetting a user and pruning old events.

use rusqlite::{params, Connection, OptionalExtension};

use super::{query_error, to_i64, Sqlite};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::memory;
use crate::store::{
    cut_text, text_hash, Backend, Example, Forgotten, HistoryRead, Record, Result, StaffPage,
    Stats, TextHash, Unmatched,
};

impl Backend for Sqlite {
    fn write(&self, records: &[Record]) -> Result<()> {
        super::records::write(&mut self.conn(), records)
    }

    fn add_example(&self, example: &Example, cap: usize) -> Result<()> {
        self.add_examples(std::slice::from_ref(example), cap)
            .map(|_| ())
    }

    fn add_examples(&self, examples: &[Example], cap: usize) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        let mut inserted = Vec::new();
        let mut capped = std::collections::BTreeSet::new();
        {
            // A message already taught as this entry (the same way) is not taught twice.
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO examples
                     (entry, text, positive, at_ms, channel, message, author, reply, by, from_history, guild)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
                     WHERE ?6 IS NULL OR NOT EXISTS (SELECT 1 FROM examples
                         WHERE message = ?6 AND entry = ?1 AND positive = ?3 AND guild IS ?11)",
                )
                .map_err(query_error)?;
            for example in examples {
                let added = insert
                    .execute(params![
                        example.entry,
                        cut_text(&example.text),
                        example.positive,
                        to_i64(example.at_ms),
                        example.channel,
                        example.message,
                        example.author,
                        example.reply,
                        example.by,
                        example.from_history,
                        example.guild
                    ])
                    .map_err(query_error)?;
                if added == 1 {
                    inserted.push(tx.last_insert_rowid());
                    capped.insert((example.guild, example.entry.as_str(), example.positive));
                }
            }
        }
        // Links and "Not it" alike: a flood of either keeps only the newest.
        for &(guild, entry, positive) in &capped {
            tx.execute(
                "DELETE FROM examples WHERE guild IS ?1 AND entry = ?2 AND positive = ?3
                 AND id NOT IN (SELECT id FROM examples WHERE guild IS ?1 AND entry = ?2
                    AND positive = ?3 ORDER BY at_ms DESC, id DESC LIMIT ?4)",
                params![guild, entry, positive, cap as i64],
            )
            .map_err(query_error)?;
        }
        let guilds: std::collections::BTreeSet<GuildId> =
            capped.iter().filter_map(|(guild, ..)| *guild).collect();
        for guild in guilds {
            bump_teaching(&tx, guild)?;
        }
        // Added means still there: one older than the cap's newest is dropped at once.
        let mut kept = 0;
        for id in inserted {
            kept += tx
                .query_row("SELECT COUNT(*) FROM examples WHERE id = ?1", [id], |row| {
                    row.get::<_, usize>(0)
                })
                .map_err(query_error)?;
        }
        tx.commit().map_err(query_error)?;
        Ok(kept)
    }

    fn history_read(&self, channel: ChannelId) -> Result<Option<HistoryRead>> {
        self.conn()
            .prepare_cached("SELECT newest, oldest FROM history_read WHERE channel = ?1")
            .and_then(|mut s| {
                s.query_row(params![channel], |row| {
                    Ok(HistoryRead {
                        newest: MessageId(row.get::<_, i64>(0)? as u64),
                        oldest: MessageId(row.get::<_, i64>(1)? as u64),
                    })
                })
                .optional()
            })
            .map_err(query_error)
    }

    fn set_history_read(&self, channel: ChannelId, read: HistoryRead) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO history_read (channel, newest, oldest) VALUES (?1, ?2, ?3)
                 ON CONFLICT (channel) DO UPDATE SET newest = excluded.newest, oldest = excluded.oldest",
            )
            .and_then(|mut s| s.execute(params![channel, read.newest, read.oldest]))
            .map_err(query_error)?;
        Ok(())
    }

    fn remove_link(&self, guild: GuildId, id: MessageId) -> Result<Vec<Example>> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        let removed = select_examples(
            &tx,
            "WHERE guild = ?1 AND positive AND (reply = ?2 OR message = ?2)",
            params![guild, id],
        )?;
        tx.execute(
            "DELETE FROM examples WHERE guild = ?1 AND positive AND (reply = ?2 OR message = ?2)",
            params![guild, id],
        )
        .map_err(query_error)?;
        if !removed.is_empty() {
            bump_teaching(&tx, guild)?;
        }
        tx.commit().map_err(query_error)?;
        Ok(removed)
    }

    fn teaching_version(&self) -> Result<u64> {
        self.conn()
            .query_row("SELECT version FROM teaching", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|v| v as u64)
            .map_err(query_error)
    }

    fn taught_since(&self, version: u64) -> Result<Vec<GuildId>> {
        self.conn()
            .prepare_cached("SELECT guild FROM taught WHERE version > ?1 ORDER BY guild")
            .and_then(|mut s| {
                s.query_map([to_i64(version)], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(query_error)
    }

    fn identify_turn(&self, shards: u32, every_ms: u64) -> Result<u64> {
        let now = to_i64(crate::time::now_ms());
        let span = to_i64(u64::from(shards) * every_ms);
        let free: i64 = self
            .conn()
            .query_row(
                "INSERT INTO identify_turns (id, free_ms) VALUES (1, ?1 + ?2)
                 ON CONFLICT (id) DO UPDATE SET free_ms = MAX(free_ms, ?1) + ?2
                 RETURNING free_ms",
                params![now, span],
                |row| row.get(0),
            )
            .map_err(query_error)?;
        Ok((free - span - now).max(0) as u64)
    }

    fn note_reload(&self, guild: GuildId) -> Result<()> {
        bump_teaching(&self.conn(), guild)
    }

    fn examples(&self, guild: Option<GuildId>) -> Result<Vec<Example>> {
        select_examples(&self.conn(), "WHERE guild IS ?1", [guild])
    }

    fn servers(&self) -> Result<Vec<GuildId>> {
        self.conn()
            .prepare(
                "SELECT guild FROM examples WHERE guild IS NOT NULL
                 UNION SELECT guild FROM shown WHERE guild IS NOT NULL
                 UNION SELECT guild FROM unmatched WHERE guild IS NOT NULL
                 UNION SELECT guild FROM staff_pages WHERE guild IS NOT NULL ORDER BY 1",
            )
            .and_then(|mut s| {
                s.query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(query_error)
    }

    fn adopt(&self, guild: GuildId) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        let examples = tx
            .execute(
                "UPDATE examples SET guild = ?1 WHERE guild IS NULL",
                [guild],
            )
            .map_err(query_error)?;
        for table in ["shown", "unmatched"] {
            tx.execute(
                &format!("UPDATE {table} SET guild = ?1 WHERE guild IS NULL"),
                [guild],
            )
            .map_err(query_error)?;
        }
        if examples > 0 {
            bump_teaching(&tx, guild)?;
        }
        tx.commit().map_err(query_error)?;
        Ok(examples)
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
                    .map(|bytes| bytes.map(|b| crate::store::vector_from_bytes(&b)))
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
                    .execute(params![
                        model,
                        &hash[..],
                        crate::store::vector_to_bytes(vector)
                    ])
                    .map_err(query_error)?;
            }
        }
        tx.commit().map_err(query_error)
    }

    fn stats(&self, guild: Option<GuildId>, since_ms: u64, top: usize) -> Result<Stats> {
        super::stats::read(&self.conn(), guild, since_ms, top)
    }

    fn unmatched(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<Unmatched>> {
        super::stats::unmatched(&self.conn(), guild, since_ms)
    }

    fn staff_pages(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<StaffPage>> {
        super::stats::staff_pages(&self.conn(), guild, since_ms)
    }

    fn claim_digest(&self, guild: GuildId, week: u64) -> Result<bool> {
        self.conn()
            .execute(
                "INSERT INTO digests (guild, week) VALUES (?1, ?2)
                 ON CONFLICT (guild) DO UPDATE SET week = excluded.week
                 WHERE digests.week < excluded.week",
                params![guild, to_i64(week)],
            )
            .map(|changed| changed == 1)
            .map_err(query_error)
    }

    fn forget(&self, user: UserId) -> Result<Forgotten> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(query_error)?;
        // The vectors `faqbot gaps` cached of the user's messages go first, found by their texts.
        let texts = "SELECT text FROM unmatched WHERE user = ?1
                     UNION SELECT text FROM examples WHERE author = ?1
                     UNION SELECT text FROM staff_pages WHERE user = ?1";
        forget_vectors(&tx, texts, [user])?;
        tx.execute(
            "DELETE FROM outcomes WHERE reply IN (SELECT reply FROM shown WHERE user = ?1)",
            [user],
        )
        .map_err(query_error)?;
        let taught_in: Vec<GuildId> = tx
            .prepare(
                "SELECT DISTINCT guild FROM examples
                 WHERE (author = ?1 OR by = ?1) AND guild IS NOT NULL",
            )
            .and_then(|mut s| {
                s.query_map([user], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
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
            staff_pages: tx
                .execute("DELETE FROM staff_pages WHERE user = ?1 OR by = ?1", [user])
                .map_err(query_error)?,
        };
        for guild in taught_in {
            bump_teaching(&tx, guild)?;
        }
        tx.commit().map_err(query_error)?;
        Ok(forgotten)
    }

    fn prune(&self, before_ms: u64, now_ms: u64) -> Result<()> {
        let remember_since = to_i64(now_ms.saturating_sub(memory::CLAIMS_KEPT_MS));
        let (before, now) = (to_i64(before_ms), to_i64(now_ms));
        let conn = self.conn();
        // The vectors of the questions that go, which `faqbot gaps` cached, go with them.
        let old_texts = "SELECT text FROM unmatched WHERE at_ms < ?1
                         UNION SELECT text FROM staff_pages WHERE at_ms < ?1";
        forget_vectors(&conn, old_texts, [before])?;
        conn.execute_batch(&format!(
            "BEGIN;
                 DELETE FROM shown WHERE at_ms < {before};
                 DELETE FROM outcomes WHERE at_ms < {before};
                 DELETE FROM unmatched WHERE at_ms < {before};
                 DELETE FROM staff_pages WHERE at_ms < {before};
                 DELETE FROM claims WHERE until_ms <= {now};
                 DELETE FROM threads_seen WHERE at_ms < {remember_since};
                 DELETE FROM answered WHERE at_ms < {remember_since};
                 COMMIT;"
        ))
        .map_err(query_error)
    }
}

/// Deletes the cached vectors (of any model) of the texts `select` finds.
fn forget_vectors(conn: &Connection, select: &str, params: impl rusqlite::Params) -> Result<()> {
    let texts: Vec<String> = conn
        .prepare(select)
        .and_then(|mut s| {
            s.query_map(params, |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(query_error)?;
    let mut delete = conn
        .prepare_cached("DELETE FROM vectors WHERE text_hash = ?1")
        .map_err(query_error)?;
    for text in texts {
        delete
            .execute([&text_hash(&text)[..]])
            .map_err(query_error)?;
    }
    Ok(())
}

/// One more change to what `guild`'s matcher learns from, for the other processes to see.
fn bump_teaching(conn: &Connection, guild: GuildId) -> Result<()> {
    conn.execute_batch("UPDATE teaching SET version = version + 1")
        .and_then(|_| {
            conn.execute(
                "INSERT INTO taught (guild, version) SELECT ?1, version FROM teaching WHERE true
                 ON CONFLICT (guild) DO UPDATE SET version = excluded.version",
                [guild],
            )
        })
        .map(|_| ())
        .map_err(query_error)
}

fn select_examples(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Example>> {
    let sql = format!(
        "SELECT entry, text, positive, at_ms, channel, message, author, reply, by, from_history, guild
         FROM examples {filter}
         ORDER BY at_ms, id"
    );
    conn.prepare(&sql)
        .and_then(|mut s| {
            s.query_map(params, |row| {
                Ok(Example {
                    entry: row.get(0)?,
                    text: row.get(1)?,
                    positive: row.get(2)?,
                    at_ms: row.get::<_, i64>(3)? as u64,
                    channel: row.get(4)?,
                    message: row.get(5)?,
                    author: row.get(6)?,
                    reply: row.get(7)?,
                    by: row.get(8)?,
                    from_history: row.get(9)?,
                    guild: row.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(query_error)
}
