//! Writing a batch of records: what was shown, its outcome, the unmatched questions and the
//! staff's answers with a page no entry links, in one transaction.

use rusqlite::{params, Connection};

use super::{query_error, to_i64};
use crate::store::{cut_text, unmatched_key, Record, Result};

/// Writes `records` in one transaction.
pub(super) fn write(conn: &mut Connection, records: &[Record]) -> Result<()> {
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
                        *guild,
                        *channel,
                        *message,
                        *user,
                        entry,
                        score,
                        *reply
                    ])
                }),
            // Kept apart from `shown`: a click can be recorded before the post it is on.
            Record::Outcome { reply, outcome } => tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO outcomes (reply, outcome, at_ms) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| {
                    s.execute(params![*reply, outcome.as_str(), to_i64(crate::time::now_ms())])
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
                        *guild,
                        *channel,
                        *message,
                        *user,
                        cut_text(text),
                        unmatched_key(text)
                    ])
                }),
            // The same question answered with the same page again (a history read twice) is
            // kept once.
            Record::StaffPage(staff) => tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO staff_pages
                     (message, page, guild, channel, user, text, at_ms, reply, by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .and_then(|mut s| {
                    let q = &staff.question;
                    s.execute(params![
                        q.message,
                        staff.page,
                        staff.guild,
                        q.channel,
                        q.user,
                        cut_text(&q.text),
                        to_i64(q.at_ms),
                        staff.reply,
                        staff.by
                    ])
                }),
        }
        .map_err(query_error)?;
    }
    tx.commit().map_err(query_error)
}
