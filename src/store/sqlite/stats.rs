//! The statistics of one server's events, read back for `stats` and `/faq-admin stats`.

use rusqlite::{params, Connection};

use super::{query_error, to_i64};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::{DayStats, EntryStats, Result, StaffPage, Stats, Unmatched};

/// `guild`'s statistics (`None`: those of no server) since `since_ms`, at most `top` unmatched.
pub(super) fn read(
    conn: &Connection,
    guild: Option<GuildId>,
    since_ms: u64,
    top: usize,
) -> Result<Stats> {
    let since = to_i64(since_ms);
    let mut entries = conn
        .prepare(
            "SELECT entry,
                SUM(how = 'auto'), SUM(how = 'faq'), SUM(how = 'link'),
                SUM(outcome IS 'solved'), SUM(outcome IS 'not-it'), SUM(outcome IS 'dismissed')
             FROM shown LEFT JOIN outcomes USING (reply) WHERE shown.at_ms >= ?1
             AND guild IS ?2 GROUP BY entry ORDER BY COUNT(*) DESC, entry",
        )
        .and_then(|mut s| {
            s.query_map(params![since, guild], |row| {
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
             WHERE shown.at_ms >= ?1 AND guild IS ?2 AND how = 'auto'
             GROUP BY day ORDER BY day",
        )
        .and_then(|mut s| {
            s.query_map(params![since, guild], |row| {
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
            "SELECT MIN(text), COUNT(*) AS n FROM unmatched WHERE at_ms >= ?1 AND guild IS ?3
             GROUP BY key ORDER BY n DESC, MAX(at_ms) DESC LIMIT ?2",
        )
        .and_then(|mut s| {
            s.query_map(params![since, top as i64, guild], |row| {
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

/// `guild`'s unmatched questions since `since_ms`, oldest first.
pub(super) fn unmatched(
    conn: &Connection,
    guild: Option<GuildId>,
    since_ms: u64,
) -> Result<Vec<Unmatched>> {
    conn.prepare(
        "SELECT at_ms, channel, message, user, text FROM unmatched
         WHERE at_ms >= ?1 AND guild IS ?2 ORDER BY at_ms, id",
    )
    .and_then(|mut s| {
        s.query_map(params![to_i64(since_ms), guild], |row| {
            Ok(Unmatched {
                at_ms: row.get::<_, i64>(0)? as u64,
                channel: ChannelId(row.get::<_, i64>(1)? as u64),
                message: MessageId(row.get::<_, i64>(2)? as u64),
                user: UserId(row.get::<_, i64>(3)? as u64),
                text: row.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    })
    .map_err(query_error)
}

/// `guild`'s staff answers with a page no entry linked, since `since_ms`, oldest first.
pub(super) fn staff_pages(
    conn: &Connection,
    guild: Option<GuildId>,
    since_ms: u64,
) -> Result<Vec<StaffPage>> {
    conn.prepare(
        "SELECT at_ms, channel, message, user, text, page, reply, by FROM staff_pages
         WHERE at_ms >= ?1 AND guild IS ?2 ORDER BY at_ms, message, page",
    )
    .and_then(|mut s| {
        s.query_map(params![to_i64(since_ms), guild], |row| {
            Ok(StaffPage {
                guild,
                question: Unmatched {
                    at_ms: row.get::<_, i64>(0)? as u64,
                    channel: ChannelId(row.get::<_, i64>(1)? as u64),
                    message: MessageId(row.get::<_, i64>(2)? as u64),
                    user: UserId(row.get::<_, i64>(3)? as u64),
                    text: row.get(4)?,
                },
                page: row.get(5)?,
                reply: MessageId(row.get::<_, i64>(6)? as u64),
                by: UserId(row.get::<_, i64>(7)? as u64),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    })
    .map_err(query_error)
}
