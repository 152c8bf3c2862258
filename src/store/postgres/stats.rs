//! The statistics of one server's events, read back for `stats` and `/faq-admin stats`.

use r2d2_postgres::postgres::{Client, Row};

use super::query_error;
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::{DayStats, EntryStats, Result, StaffPage, Stats, Unmatched};

/// `guild`'s statistics (`None`: those of no server) since `since_ms`, at most `top` unmatched.
pub(super) fn read(
    conn: &mut Client,
    guild: Option<GuildId>,
    since_ms: u64,
    top: usize,
) -> Result<Stats> {
    let since = since_ms as i64;
    let guild = guild.map(|g| g.get() as i64);
    let count = |row: &Row, n| row.get::<_, Option<i64>>(n).unwrap_or(0) as u64;
    let mut entries: Vec<EntryStats> = conn
        .query(
            "SELECT entry,
                COUNT(*) FILTER (WHERE how = 'auto'), COUNT(*) FILTER (WHERE how = 'faq'),
                COUNT(*) FILTER (WHERE how = 'link'),
                COUNT(*) FILTER (WHERE outcome = 'solved'),
                COUNT(*) FILTER (WHERE outcome = 'not-it'),
                COUNT(*) FILTER (WHERE outcome = 'dismissed')
             FROM shown LEFT JOIN outcomes USING (reply) WHERE shown.at_ms >= $1
             AND guild IS NOT DISTINCT FROM $2 GROUP BY entry",
            &[&since, &guild],
        )
        .map_err(query_error)?
        .iter()
        .map(|row| EntryStats {
            entry: row.get(0),
            auto: count(row, 1),
            faq: count(row, 2),
            link: count(row, 3),
            solved: count(row, 4),
            not_it: count(row, 5),
            dismissed: count(row, 6),
        })
        .collect();
    entries.sort_by(|a, b| b.shown().cmp(&a.shown()).then(a.entry.cmp(&b.entry)));
    let days = conn
        .query(
            "SELECT to_char(to_timestamp(shown.at_ms / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                AS day, COUNT(*),
                COUNT(*) FILTER (WHERE outcome = 'solved'),
                COUNT(*) FILTER (WHERE outcome IN ('not-it', 'dismissed'))
             FROM shown LEFT JOIN outcomes USING (reply)
             WHERE shown.at_ms >= $1 AND guild IS NOT DISTINCT FROM $2 AND how = 'auto'
             GROUP BY day ORDER BY day",
            &[&since, &guild],
        )
        .map_err(query_error)?
        .iter()
        .map(|row| DayStats {
            day: row.get(0),
            suggestions: count(row, 1),
            solved: count(row, 2),
            unhelpful: count(row, 3),
        })
        .collect();
    let unmatched = conn
        .query(
            "SELECT MIN(text), COUNT(*) AS n FROM unmatched WHERE at_ms >= $1
             AND guild IS NOT DISTINCT FROM $3 GROUP BY key ORDER BY n DESC, MAX(at_ms) DESC LIMIT $2",
            &[&since, &(top as i64), &guild],
        )
        .map_err(query_error)?
        .iter()
        .map(|row| (row.get(0), count(row, 1)))
        .collect();
    Ok(Stats {
        entries,
        days,
        unmatched,
    })
}

/// `guild`'s unmatched questions since `since_ms`, oldest first.
pub(super) fn unmatched(
    conn: &mut Client,
    guild: Option<GuildId>,
    since_ms: u64,
) -> Result<Vec<Unmatched>> {
    let guild = guild.map(|g| g.get() as i64);
    Ok(conn
        .query(
            "SELECT at_ms, channel, message, user_id, text FROM unmatched
             WHERE at_ms >= $1 AND guild IS NOT DISTINCT FROM $2 ORDER BY at_ms, id",
            &[&(since_ms as i64), &guild],
        )
        .map_err(query_error)?
        .iter()
        .map(|row| Unmatched {
            at_ms: row.get::<_, i64>(0) as u64,
            channel: ChannelId(row.get::<_, i64>(1) as u64),
            message: MessageId(row.get::<_, i64>(2) as u64),
            user: UserId(row.get::<_, i64>(3) as u64),
            text: row.get(4),
        })
        .collect())
}

/// `guild`'s staff answers with a page no entry linked, since `since_ms`, oldest first.
pub(super) fn staff_pages(
    conn: &mut Client,
    guild: Option<GuildId>,
    since_ms: u64,
) -> Result<Vec<StaffPage>> {
    let id = guild.map(|g| g.get() as i64);
    Ok(conn
        .query(
            "SELECT at_ms, channel, message, user_id, text, page, reply, by_user FROM staff_pages
             WHERE at_ms >= $1 AND guild IS NOT DISTINCT FROM $2 ORDER BY at_ms, message, page",
            &[&(since_ms as i64), &id],
        )
        .map_err(query_error)?
        .iter()
        .map(|row| StaffPage {
            guild,
            question: Unmatched {
                at_ms: row.get::<_, i64>(0) as u64,
                channel: ChannelId(row.get::<_, i64>(1) as u64),
                message: MessageId(row.get::<_, i64>(2) as u64),
                user: UserId(row.get::<_, i64>(3) as u64),
                text: row.get(4),
            },
            page: row.get(5),
            reply: MessageId(row.get::<_, i64>(6) as u64),
            by: UserId(row.get::<_, i64>(7) as u64),
        })
        .collect())
}
