//! Writing a batch of records in PostgreSQL: what was shown, its outcome, the unmatched questions
//! and the staff's answers with a page no entry links, in one transaction (as SQLite's `records`).

use r2d2_postgres::postgres::{Client, Statement, Transaction};

use super::backend::id;
use super::{now_ms, query_error};
use crate::ids::{GuildId, MessageId, UserId};
use crate::store::{cut_text, unmatched_key, Record, Result};

/// Writes `records` in one transaction.
pub(super) fn write(conn: &mut Client, records: &[Record]) -> Result<()> {
    let mut tx = conn.transaction().map_err(query_error)?;
    // Prepared once a batch: each record is then one round trip, not two.
    let statements = Statements {
        shown: tx.prepare(INSERT_SHOWN).map_err(query_error)?,
        outcome: tx.prepare(INSERT_OUTCOME).map_err(query_error)?,
        unmatched: tx.prepare(INSERT_UNMATCHED).map_err(query_error)?,
    };
    for record in records {
        write_one(&mut tx, &statements, record).map_err(query_error)?;
    }
    tx.commit().map_err(query_error)
}

const INSERT_SHOWN: &str =
    "INSERT INTO shown (at_ms, how, guild, channel, message, user_id, entry, score, reply)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
// Kept apart from `shown`: a click can be recorded before the post it is on.
const INSERT_OUTCOME: &str = concat!(
    "INSERT INTO outcomes (reply, outcome, at_ms) VALUES ($1, $2, ",
    now_ms!(),
    ") ON CONFLICT (reply) DO UPDATE SET outcome = excluded.outcome, at_ms = excluded.at_ms"
);
const INSERT_UNMATCHED: &str =
    "INSERT INTO unmatched (at_ms, guild, channel, message, user_id, text, key)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The statements a batch of records uses, prepared in its transaction.
struct Statements {
    shown: Statement,
    outcome: Statement,
    unmatched: Statement,
}

fn write_one(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    record: &Record,
) -> std::result::Result<u64, r2d2_postgres::postgres::Error> {
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
        } => tx.execute(
            &statements.shown,
            &[
                &(*at_ms as i64),
                &how.as_str(),
                &id(guild.map(GuildId::get)),
                &(channel.get() as i64),
                &id(message.map(MessageId::get)),
                &id(user.map(UserId::get)),
                entry,
                score,
                &(reply.get() as i64),
            ],
        ),
        Record::Outcome { reply, outcome } => tx.execute(
            &statements.outcome,
            &[&(reply.get() as i64), &outcome.as_str()],
        ),
        Record::Unmatched {
            at_ms,
            guild,
            channel,
            message,
            user,
            text,
        } => tx.execute(
            &statements.unmatched,
            &[
                &(*at_ms as i64),
                &id(guild.map(GuildId::get)),
                &(channel.get() as i64),
                &(message.get() as i64),
                &(user.get() as i64),
                &cut_text(text),
                &unmatched_key(text),
            ],
        ),
        // Rare enough not to be prepared with the others; the same question answered with the
        // same page again (a history read twice) is kept once.
        Record::StaffPage(staff) => {
            let q = &staff.question;
            tx.execute(
                "INSERT INTO staff_pages
                 (message, page, guild, channel, user_id, text, at_ms, reply, by_user)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                &[
                    &(q.message.get() as i64),
                    &staff.page,
                    &id(staff.guild.map(GuildId::get)),
                    &(q.channel.get() as i64),
                    &(q.user.get() as i64),
                    &cut_text(&q.text),
                    &(q.at_ms as i64),
                    &(staff.reply.get() as i64),
                    &(staff.by.get() as i64),
                ],
            )
        }
    }
}
