//! What the store keeps, in PostgreSQL: records in batches, learned examples within their cap,
//! the model's vectors, statistics, forgetting a user and pruning old events. The same behaviour
//! as the SQLite store's `backend`, statement for statement.

use r2d2_postgres::postgres::{GenericClient, Row, Transaction};

use super::{now_ms, query_error, Postgres};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::memory;
use crate::store::{
    cut_text, off_runtime, text_hash, Backend, Example, Forgotten, HistoryRead, Record, Result,
    StaffPage, Stats, TextHash, Unmatched,
};

pub(super) fn id(id: impl Into<Option<u64>>) -> Option<i64> {
    id.into().map(|n| n as i64)
}

impl Backend for Postgres {
    fn write(&self, records: &[Record]) -> Result<()> {
        off_runtime(|| super::records::write(&mut *self.conn()?, records))
    }

    fn add_example(&self, example: &Example, cap: usize) -> Result<()> {
        self.add_examples(std::slice::from_ref(example), cap)
            .map(|_| ())
    }

    fn add_examples(&self, examples: &[Example], cap: usize) -> Result<usize> {
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            let insert = tx
                .prepare(
                    "INSERT INTO examples
                     (entry, text, positive, at_ms, channel, message, author, reply, by_user, from_history, guild)
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
                     WHERE $6::BIGINT IS NULL OR NOT EXISTS (SELECT 1 FROM examples
                         WHERE message = $6 AND entry = $1 AND positive = $3
                         AND guild IS NOT DISTINCT FROM $11)
                     RETURNING id",
                )
                .map_err(query_error)?;
            let mut inserted: Vec<i64> = Vec::new();
            let mut capped = std::collections::BTreeSet::new();
            for example in examples {
                let row = tx
                    .query_opt(
                        &insert,
                        &[
                            &example.entry,
                            &cut_text(&example.text),
                            &example.positive,
                            &(example.at_ms as i64),
                            &id(example.channel.map(|c| c.get())),
                            &id(example.message.map(|m| m.get())),
                            &id(example.author.map(|u| u.get())),
                            &id(example.reply.map(|m| m.get())),
                            &id(example.by.map(|u| u.get())),
                            &example.from_history,
                            &id(example.guild.map(GuildId::get)),
                        ],
                    )
                    .map_err(query_error)?;
                if let Some(row) = row {
                    inserted.push(row.get::<_, i64>(0));
                    capped.insert((example.guild, example.entry.as_str(), example.positive));
                }
            }
            // Links and "Not it" alike: a flood of either keeps only the newest.
            for &(guild, entry, positive) in &capped {
                tx.execute(
                    "DELETE FROM examples WHERE guild IS NOT DISTINCT FROM $1 AND entry = $2
                     AND positive = $3 AND id NOT IN (SELECT id FROM examples
                        WHERE guild IS NOT DISTINCT FROM $1 AND entry = $2 AND positive = $3
                        ORDER BY at_ms DESC, id DESC LIMIT $4)",
                    &[
                        &id(guild.map(GuildId::get)),
                        &entry,
                        &positive,
                        &(cap as i64),
                    ],
                )
                .map_err(query_error)?;
            }
            let guilds: std::collections::BTreeSet<GuildId> =
                capped.iter().filter_map(|(guild, ..)| *guild).collect();
            for guild in guilds {
                bump_teaching(&mut tx, guild)?;
            }
            // Added means still there: one older than the cap's newest is dropped at once.
            let kept: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM examples WHERE id = ANY($1)",
                    &[&inserted],
                )
                .map_err(query_error)?
                .get(0);
            tx.commit().map_err(query_error)?;
            Ok(kept as usize)
        })
    }

    fn history_read(&self, channel: ChannelId) -> Result<Option<HistoryRead>> {
        let row = off_runtime(|| {
            self.conn()?
                .query_opt(
                    "SELECT newest, oldest FROM history_read WHERE channel = $1",
                    &[&(channel.get() as i64)],
                )
                .map_err(query_error)
        })?;
        Ok(row.map(|row| HistoryRead {
            newest: MessageId(row.get::<_, i64>(0) as u64),
            oldest: MessageId(row.get::<_, i64>(1) as u64),
        }))
    }

    fn set_history_read(&self, channel: ChannelId, read: HistoryRead) -> Result<()> {
        off_runtime(|| {
            self.conn()?
                .execute(
                    "INSERT INTO history_read (channel, newest, oldest) VALUES ($1, $2, $3)
                     ON CONFLICT (channel) DO UPDATE
                     SET newest = excluded.newest, oldest = excluded.oldest",
                    &[
                        &(channel.get() as i64),
                        &(read.newest.get() as i64),
                        &(read.oldest.get() as i64),
                    ],
                )
                .map_err(query_error)
        })?;
        Ok(())
    }

    fn remove_link(&self, guild: GuildId, message: MessageId) -> Result<Vec<Example>> {
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            let rows = tx
                .query(
                    &format!(
                        "DELETE FROM examples WHERE guild = $2 AND positive
                         AND (reply = $1 OR message = $1)
                         RETURNING {EXAMPLE_COLUMNS}, id"
                    ),
                    &[&(message.get() as i64), &(guild.get() as i64)],
                )
                .map_err(query_error)?;
            if !rows.is_empty() {
                bump_teaching(&mut tx, guild)?;
            }
            tx.commit().map_err(query_error)?;
            let mut removed: Vec<(i64, Example)> = rows
                .iter()
                .map(|row| (row.get::<_, i64>(11), example(row)))
                .collect();
            removed.sort_by_key(|(id, example)| (example.at_ms, *id));
            Ok(removed.into_iter().map(|(_, example)| example).collect())
        })
    }

    fn teaching_version(&self) -> Result<u64> {
        let row = off_runtime(|| {
            self.conn()?
                .query_one("SELECT version FROM teaching", &[])
                .map_err(query_error)
        })?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn taught_since(&self, version: u64) -> Result<Vec<GuildId>> {
        let rows = off_runtime(|| {
            self.conn()?
                .query(
                    "SELECT guild FROM taught WHERE version > $1 ORDER BY guild",
                    &[&(version as i64)],
                )
                .map_err(query_error)
        })?;
        Ok(guilds(&rows))
    }

    fn identify_turn(&self, shards: u32, every_ms: u64) -> Result<u64> {
        let span = i64::from(shards) * every_ms as i64;
        let row = off_runtime(|| {
            self.conn()?
                .query_one(
                    concat!(
                        "WITH t AS (SELECT ",
                        now_ms!(),
                        " AS now)
                         INSERT INTO identify_turns (id, free_ms) SELECT 1, t.now + $1 FROM t
                         ON CONFLICT (id) DO UPDATE
                         SET free_ms = GREATEST(identify_turns.free_ms, (SELECT now FROM t)) + $1
                         RETURNING free_ms - $1 - (SELECT now FROM t)"
                    ),
                    &[&span],
                )
                .map_err(query_error)
        })?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }

    fn shared(&self) -> bool {
        true
    }

    fn note_reload(&self, guild: GuildId) -> Result<()> {
        off_runtime(|| bump_teaching(&mut *self.conn()?, guild))
    }

    fn examples(&self, guild: Option<GuildId>) -> Result<Vec<Example>> {
        let rows = off_runtime(|| {
            self.conn()?
                .query(
                    &format!(
                        "SELECT {EXAMPLE_COLUMNS} FROM examples
                         WHERE guild IS NOT DISTINCT FROM $1 ORDER BY at_ms, id"
                    ),
                    &[&id(guild.map(GuildId::get))],
                )
                .map_err(query_error)
        })?;
        Ok(rows.iter().map(example).collect())
    }

    fn servers(&self) -> Result<Vec<GuildId>> {
        let rows = off_runtime(|| {
            self.conn()?
                .query(
                    "SELECT guild FROM examples WHERE guild IS NOT NULL
                     UNION SELECT guild FROM shown WHERE guild IS NOT NULL
                     UNION SELECT guild FROM unmatched WHERE guild IS NOT NULL
                 UNION SELECT guild FROM staff_pages WHERE guild IS NOT NULL ORDER BY 1",
                    &[],
                )
                .map_err(query_error)
        })?;
        Ok(guilds(&rows))
    }

    fn adopt(&self, guild: GuildId) -> Result<usize> {
        let id = guild.get() as i64;
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            let examples = tx
                .execute("UPDATE examples SET guild = $1 WHERE guild IS NULL", &[&id])
                .map_err(query_error)?;
            for table in ["shown", "unmatched"] {
                tx.execute(
                    &format!("UPDATE {table} SET guild = $1 WHERE guild IS NULL"),
                    &[&id],
                )
                .map_err(query_error)?;
            }
            if examples > 0 {
                bump_teaching(&mut tx, guild)?;
            }
            tx.commit().map_err(query_error)?;
            Ok(examples as usize)
        })
    }

    fn vectors(&self, model: &str, hashes: &[TextHash]) -> Result<Vec<Option<Vec<f32>>>> {
        let keys: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        let rows = off_runtime(|| {
            self.conn()?
                .query(
                    "SELECT text_hash, vector FROM vectors WHERE model = $1 AND text_hash = ANY($2)",
                    &[&model, &keys],
                )
                .map_err(query_error)
        })?;
        let found: std::collections::HashMap<Vec<u8>, Vec<u8>> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        Ok(hashes
            .iter()
            .map(|hash| {
                found
                    .get(&hash[..])
                    .map(|b| crate::store::vector_from_bytes(b))
            })
            .collect())
    }

    fn save_vectors(&self, model: &str, vectors: &[(TextHash, Vec<f32>)]) -> Result<()> {
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            let insert = tx
                .prepare(
                    "INSERT INTO vectors (model, text_hash, vector) VALUES ($1, $2, $3)
                     ON CONFLICT (model, text_hash) DO UPDATE SET vector = excluded.vector",
                )
                .map_err(query_error)?;
            for (hash, vector) in vectors {
                tx.execute(
                    &insert,
                    &[&model, &&hash[..], &crate::store::vector_to_bytes(vector)],
                )
                .map_err(query_error)?;
            }
            tx.commit().map_err(query_error)
        })
    }

    fn stats(&self, guild: Option<GuildId>, since_ms: u64, top: usize) -> Result<Stats> {
        off_runtime(|| super::stats::read(&mut *self.conn()?, guild, since_ms, top))
    }

    fn unmatched(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<Unmatched>> {
        off_runtime(|| super::stats::unmatched(&mut *self.conn()?, guild, since_ms))
    }

    fn staff_pages(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<StaffPage>> {
        off_runtime(|| super::stats::staff_pages(&mut *self.conn()?, guild, since_ms))
    }

    fn claim_digest(&self, guild: GuildId, week: u64) -> Result<bool> {
        off_runtime(|| {
            self.conn()?
                .execute(
                    "INSERT INTO digests (guild, week) VALUES ($1, $2)
                     ON CONFLICT (guild) DO UPDATE SET week = excluded.week
                     WHERE digests.week < excluded.week",
                    &[&(guild.get() as i64), &(week as i64)],
                )
                .map(|changed| changed == 1)
                .map_err(query_error)
        })
    }

    fn forget(&self, user: UserId) -> Result<Forgotten> {
        let user = user.get() as i64;
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            // The vectors `faqbot gaps` cached of the user's messages go first, found by their
            // texts.
            let texts = "SELECT text FROM unmatched WHERE user_id = $1
                         UNION SELECT text FROM examples WHERE author = $1
                         UNION SELECT text FROM staff_pages WHERE user_id = $1";
            forget_vectors(&mut tx, texts, &user)?;
            tx.execute(
                "DELETE FROM outcomes WHERE reply IN (SELECT reply FROM shown WHERE user_id = $1)",
                &[&user],
            )
            .map_err(query_error)?;
            let taught_in: Vec<GuildId> = tx
                .query(
                    "SELECT DISTINCT guild FROM examples
                     WHERE (author = $1 OR by_user = $1) AND guild IS NOT NULL",
                    &[&user],
                )
                .map_err(query_error)
                .map(|rows| guilds(&rows))?;
            let forgotten = Forgotten {
                events: tx
                    .execute("DELETE FROM shown WHERE user_id = $1", &[&user])
                    .map_err(query_error)? as usize,
                examples: tx
                    .execute(
                        "DELETE FROM examples WHERE author = $1 OR by_user = $1",
                        &[&user],
                    )
                    .map_err(query_error)? as usize,
                unmatched: tx
                    .execute("DELETE FROM unmatched WHERE user_id = $1", &[&user])
                    .map_err(query_error)? as usize,
                staff_pages: tx
                    .execute(
                        "DELETE FROM staff_pages WHERE user_id = $1 OR by_user = $1",
                        &[&user],
                    )
                    .map_err(query_error)? as usize,
            };
            for guild in taught_in {
                bump_teaching(&mut tx, guild)?;
            }
            tx.commit().map_err(query_error)?;
            Ok(forgotten)
        })
    }

    fn prune(&self, before_ms: u64, now_ms: u64) -> Result<()> {
        let before = before_ms as i64;
        // Working memory is timed by the clock that wrote it (see `now`): expired claims and
        // what is older than `CLAIMS_KEPT_MS` by that clock go.
        let now = self.now(now_ms);
        let kept = memory::CLAIMS_KEPT_MS as i64;
        off_runtime(|| {
            let mut conn = self.conn()?;
            let mut tx = conn.transaction().map_err(query_error)?;
            // Deleting a busy month may take longer than a claim may.
            tx.batch_execute("SET LOCAL statement_timeout = 0")
                .map_err(query_error)?;
            // The vectors of the questions that go, which `faqbot gaps` cached, go with them.
            let old_texts = "SELECT text FROM unmatched WHERE at_ms < $1
                             UNION SELECT text FROM staff_pages WHERE at_ms < $1";
            forget_vectors(&mut tx, old_texts, &before)?;
            let memory_now = concat!("COALESCE($1::BIGINT, ", now_ms!(), ")");
            tx.execute("DELETE FROM shown WHERE at_ms < $1", &[&before])
                .and_then(|_| tx.execute("DELETE FROM outcomes WHERE at_ms < $1", &[&before]))
                .and_then(|_| tx.execute("DELETE FROM unmatched WHERE at_ms < $1", &[&before]))
                .and_then(|_| tx.execute("DELETE FROM staff_pages WHERE at_ms < $1", &[&before]))
                .and_then(|_| {
                    tx.execute(
                        &format!("DELETE FROM claims WHERE until_ms <= {memory_now}"),
                        &[&now],
                    )
                })
                .and_then(|_| {
                    tx.execute(
                        &format!("DELETE FROM threads_seen WHERE at_ms < {memory_now} - $2"),
                        &[&now, &kept],
                    )
                })
                .and_then(|_| {
                    tx.execute(
                        &format!("DELETE FROM answered WHERE at_ms < {memory_now} - $2"),
                        &[&now, &kept],
                    )
                })
                .map_err(query_error)?;
            tx.commit().map_err(query_error)
        })
    }
}

/// Deletes the cached vectors (of any model) of the texts `select` finds with `param`.
fn forget_vectors(tx: &mut Transaction<'_>, select: &str, param: &i64) -> Result<()> {
    let rows = tx.query(select, &[param]).map_err(query_error)?;
    let hashes: Vec<Vec<u8>> = rows
        .iter()
        .map(|row| text_hash(row.get::<_, &str>(0)).to_vec())
        .collect();
    tx.execute("DELETE FROM vectors WHERE text_hash = ANY($1)", &[&hashes])
        .map_err(query_error)?;
    Ok(())
}

/// One more change to what `guild`'s matcher learns from, for the other processes to see.
fn bump_teaching(client: &mut impl GenericClient, guild: GuildId) -> Result<()> {
    client
        .execute(
            "WITH moved AS (UPDATE teaching SET version = version + 1 RETURNING version)
             INSERT INTO taught (guild, version) SELECT $1, version FROM moved
             ON CONFLICT (guild) DO UPDATE SET version = excluded.version",
            &[&(guild.get() as i64)],
        )
        .map(|_| ())
        .map_err(query_error)
}

/// The servers in the first column of `rows`.
fn guilds(rows: &[Row]) -> Vec<GuildId> {
    rows.iter()
        .map(|row| GuildId(row.get::<_, i64>(0) as u64))
        .collect()
}

/// The columns [`example`] reads, in its order.
const EXAMPLE_COLUMNS: &str =
    "entry, text, positive, at_ms, channel, message, author, reply, by_user, from_history, guild";

fn example(row: &Row) -> Example {
    let id = |n| row.get::<_, Option<i64>>(n).map(|v| v as u64);
    Example {
        entry: row.get(0),
        text: row.get(1),
        positive: row.get(2),
        at_ms: row.get::<_, i64>(3) as u64,
        channel: id(4).map(ChannelId),
        message: id(5).map(MessageId),
        author: id(6).map(UserId),
        reply: id(7).map(MessageId),
        by: id(8).map(UserId),
        from_history: row.get(9),
        guild: id(10).map(GuildId),
    }
}
