//! What the bot posts: an FAQ entry (and who asked) to a Discord message.
//!
//! The one place that knows Discord's limits on messages and who a message may ping. Every post is
//! built as a plain [`Post`] (easy to test); the Discord layer turns it into serenity's builders
//! (`discord/convert.rs`), always with an explicit `allowed_mentions` that names at most the users
//! the post means to ping, so no text from faq.toml or from a user can ping `@everyone`, `@here` or
//! a role.

mod gaps;

use std::fmt::Write as _;
use std::time::Duration;

use crate::action::Action;
use crate::faq::Entry;

/// Message content, in characters.
pub const CONTENT_MAX: usize = 2000;

pub use gaps::{digest, gaps, GAPS_SHOWN, PAGES_SHOWN};
/// Embed title.
pub const TITLE_MAX: usize = 256;
/// Embed description.
pub const DESCRIPTION_MAX: usize = 4096;
/// Button label.
pub const LABEL_MAX: usize = 80;
/// Autocomplete choice name, select option label and description.
pub const CHOICE_MAX: usize = 100;
/// Select menu options.
pub const OPTIONS_MAX: usize = 25;
/// An unasked suggestion shows at most this much of the answer: the rest is a click away, and a
/// support channel should not fill up with walls of text nobody asked for.
pub const SUGGESTION_ANSWER_MAX: usize = 1000;

/// What a user is told when the bot, not the user, got something wrong (the log has the details).
pub const SOMETHING_WENT_WRONG: &str =
    "Something went wrong; the moderators can find the details in the bot's log.";

/// What a user is told about a command whose options the bot cannot read: Discord clients keep an
/// old copy of changed commands for up to an hour (or the interaction was forged).
pub const NOT_UNDERSTOOD: &str = "I did not understand that command's options: it may have changed since Discord loaded it. Try again in a minute, or reload Discord (Ctrl+R).";

/// What a user is told about an interaction that came while the bot was stopping.
pub const RESTARTING: &str = "faqbot is restarting; try again in a minute.";

/// The one answer in a server the bot does not serve (its operator lists the servers it serves).
pub const NOT_SERVED: &str = "faqbot does not serve this server.";

/// The answer to a button or form that names another channel than the one it was used in.
pub const NOT_HERE: &str = "This control does not belong to this channel.";

/// What is appended where an answer was cut.
const CUT_NOTE: &str = "… read the rest in the docs";

/// A message the bot posts, before it is turned into serenity builders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Post {
    pub content: String,
    pub embed: Option<Embed>,
    pub rows: Vec<Vec<Component>>,
    /// The only users the post may ping.
    pub ping_users: Vec<u64>,
    /// Whether a reply pings the author of the message it replies to.
    pub ping_replied: bool,
    /// Seen only by the user who used the interaction.
    pub ephemeral: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Embed {
    pub title: String,
    pub description: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    Link {
        label: String,
        url: String,
    },
    Button {
        label: String,
        action: Action,
        style: Style,
    },
    Select {
        action: Action,
        placeholder: String,
        /// (label, value, description)
        options: Vec<(String, String, String)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Primary,
    Secondary,
    Success,
    Danger,
}

/// An entry posted on request (`/faq`), optionally for a member, who is then the only one pinged.
pub fn entry(entry: &Entry, for_user: Option<u64>, ephemeral: bool) -> Post {
    Post {
        content: for_user.map_or_else(String::new, |user| format!("FAQ for <@{user}>")),
        embed: Some(embed(entry, DESCRIPTION_MAX)),
        rows: docs_row(entry).into_iter().collect(),
        ping_users: for_user.into_iter().collect(),
        ping_replied: false,
        ephemeral,
    }
}

/// An unasked suggestion in reply to `author`'s message: a shortened answer, the docs link and
/// the feedback buttons. The reply does not ping the author.
pub fn suggestion(entry: &Entry, author: u64) -> Post {
    let mut row = docs_row(entry).unwrap_or_default();
    let button = |label: &str, action: Action, style| Component::Button {
        label: label.to_owned(),
        action,
        style,
    };
    row.push(button(
        "Solved it",
        Action::Solved {
            author,
            entry: entry.id.clone(),
        },
        Style::Success,
    ));
    row.push(button(
        "Not it",
        Action::NotIt {
            author,
            entry: entry.id.clone(),
        },
        Style::Secondary,
    ));
    row.push(button("Dismiss", Action::Dismiss { author }, Style::Danger));
    Post {
        content: String::new(),
        embed: Some(embed(entry, SUGGESTION_ANSWER_MAX)),
        rows: vec![row],
        ..Post::default()
    }
}

/// A suggestion after its asker said it solved their problem: the same answer, marked solved for
/// everyone reading the channel later, without the feedback buttons and without pinging anyone.
pub fn solved(entry: &Entry, author: u64) -> Post {
    Post {
        content: format!("✅ Solved, says <@{author}>"),
        embed: Some(embed(entry, SUGGESTION_ANSWER_MAX)),
        rows: docs_row(entry).into_iter().collect(),
        ..Post::default()
    }
}

/// An entry a moderator linked to `message`: a reply naming the moderator without pinging them,
/// with a button for moderators to undo the link. The asker is pinged by the reply, since a person
/// chose this answer for them.
pub fn linked(entry: &Entry, moderator: u64, message: u64) -> Post {
    let mut row = docs_row(entry).unwrap_or_default();
    row.push(Component::Button {
        label: "Undo link".to_owned(),
        action: Action::Unlink { message },
        style: Style::Secondary,
    });
    Post {
        content: format!("Linked by <@{moderator}>"),
        embed: Some(embed(entry, DESCRIPTION_MAX)),
        rows: vec![row],
        ping_users: Vec::new(),
        ping_replied: true,
        ephemeral: false,
    }
}

/// The moderator's private picker for "Answer with FAQ": the matcher's best entries for the
/// message, and a button to search all entries.
pub fn picker(channel: u64, message: u64, best: &[&Entry]) -> Post {
    let mut rows = Vec::new();
    if !best.is_empty() {
        rows.push(vec![Component::Select {
            action: Action::Link { channel, message },
            placeholder: "Pick the entry that answers this message".to_owned(),
            options: best
                .iter()
                .take(OPTIONS_MAX)
                .map(|entry| {
                    (
                        cut_chars(&entry.question, CHOICE_MAX),
                        entry.id.clone(),
                        cut_chars(&entry.id, CHOICE_MAX),
                    )
                })
                .collect(),
        }]);
    }
    rows.push(vec![Component::Button {
        label: "Search all entries".to_owned(),
        action: Action::Search { channel, message },
        style: Style::Secondary,
    }]);
    let content = if best.is_empty() {
        "No entry looks close to this message. Search all entries:"
    } else {
        "Which entry answers this message?"
    };
    Post {
        content: content.to_owned(),
        rows,
        ephemeral: true,
        ..Post::default()
    }
}

/// "No FAQ entry `x`", with up to three entries the user may have meant.
pub fn not_found(name: &str, closest: &[&Entry]) -> Post {
    let name: String = name.chars().filter(|c| *c != '`').take(64).collect();
    if name.trim().is_empty() {
        return notice("Give an entry: start typing in the `entry` field to see the entries.");
    }
    let mut text = format!("No FAQ entry `{name}`.");
    let ids: Vec<String> = closest
        .iter()
        .take(3)
        .map(|e| format!("`{}`", e.id))
        .collect();
    match ids.as_slice() {
        [] => text.push_str(" Start typing in the `entry` field to see the entries."),
        [one] => write!(text, " Did you mean {one}?").unwrap_or(()),
        [rest @ .., last] => {
            write!(text, " Did you mean {} or {last}?", rest.join(", ")).unwrap_or(())
        }
    }
    notice(&text)
}

/// A private one-line answer: a refusal, an acknowledgement or an error.
pub fn notice(text: &str) -> Post {
    Post {
        content: cut_chars(text, CONTENT_MAX),
        ephemeral: true,
        ..Post::default()
    }
}

/// What `/faq-admin status` shows.
#[derive(Debug, Clone)]
pub struct Status {
    pub version: &'static str,
    pub entries: usize,
    pub uptime: Duration,
    /// The watched channels as configured, each with what it resolved to in the server.
    pub channels: Vec<String>,
    pub suggestions: u64,
    pub links: u64,
    /// Events given up on while the database refused writes.
    pub unrecorded: u64,
    /// Posts retried (rate limits, outages), and posts given up as too late.
    pub retries: u64,
    pub given_up: u64,
    /// The model's second opinion: messages it read, and those decided by words alone because it
    /// was busy or failed; `None` when it is off.
    pub second_opinion: Option<(u64, u64, u64)>,
    /// The shard that serves this server, of how many, when the bot runs several.
    pub shard: Option<(u32, u32)>,
}

pub fn status(status: &Status) -> Post {
    let channels = if status.channels.is_empty() {
        "none (no automatic suggestions)".to_owned()
    } else {
        status.channels.join(", ")
    };
    let text = format!(
        "**faqbot {}**\nEntries: {}\nUptime: {}\nWatched channels: {}\nSuggestions since start: {}\nLinks by moderators since start: {}",
        status.version,
        status.entries,
        uptime(status.uptime),
        channels,
        status.suggestions,
        status.links,
    );
    let text = format!(
        "{text}\nPosts retried: {}, given up as too late: {}",
        status.retries, status.given_up
    );
    let text = match status.second_opinion {
        Some((read, busy, failed)) => format!(
            "{text}\nModel's second opinion: on; messages it read: {read}, decided by words alone while it was busy: {busy}, after it failed: {failed}"
        ),
        None => format!("{text}\nModel's second opinion: off (`faqbot model fetch` turns it on)"),
    };
    let text = match status.shard {
        Some((shard, total)) if total > 1 => format!(
            "{text}\nShard serving this server: {shard} of {total} (shards are numbered from 0)"
        ),
        _ => text,
    };
    let text = if status.unrecorded > 0 {
        format!(
            "{text}\nEvents not recorded (the database refused writes): {}",
            status.unrecorded
        )
    } else {
        text
    };
    notice(&text)
}

/// `/faq-admin stats`: per entry how it was shown and how it helped, then the unmatched questions;
/// as many lines as fit in one message.
pub fn stats(stats: &crate::store::Stats, days: u64) -> Post {
    let mut lines = vec![format!("**faqbot, {}**", crate::time::period(days))];
    if stats.entries.is_empty() {
        lines.push("Nothing was shown yet.".to_owned());
    }
    for entry in &stats.entries {
        let helpful = entry.helpful_rate().map_or_else(
            || "no verdicts".to_owned(),
            |rate| format!("{:.0}% helpful", rate * 100.0),
        );
        lines.push(format!(
            "`{}`: shown {} (unasked {}, /faq {}, linked {}); {helpful}",
            entry.entry,
            entry.shown(),
            entry.auto,
            entry.faq,
            entry.link
        ));
    }
    if !stats.unmatched.is_empty() {
        lines.push("**Asked often, matched nothing:**".to_owned());
        for (text, count) in &stats.unmatched {
            let text = one_line(&text.replace('`', "'"), 90);
            lines.push(format!("{count}× `{text}`"));
        }
    }
    lines_within(lines)
}

/// A private notice of `lines`, as many as fit in one Discord message.
fn lines_within(lines: Vec<String>) -> Post {
    let mut text = String::new();
    for line in lines {
        if text.chars().count() + line.chars().count() + 1 > CONTENT_MAX {
            break;
        }
        text.push_str(&line);
        text.push('\n');
    }
    notice(text.trim_end())
}

fn uptime(uptime: Duration) -> String {
    let secs = uptime.as_secs();
    let (days, hours, minutes) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60);
    if days > 0 {
        format!("{days}d {hours}h {minutes}m")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m {}s", secs % 60)
    }
}

/// An autocomplete choice name for an entry: its question, cut to Discord's 100 characters.
pub fn choice_name(entry: &Entry) -> String {
    cut_chars(&entry.question, CHOICE_MAX)
}

fn embed(entry: &Entry, answer_max: usize) -> Embed {
    Embed {
        title: cut_chars(&entry.question, TITLE_MAX),
        description: cut_answer(&entry.answer, answer_max.min(DESCRIPTION_MAX)),
        url: entry.link.clone(),
    }
}

fn docs_row(entry: &Entry) -> Option<Vec<Component>> {
    let url = entry.link.clone()?;
    Some(vec![Component::Link {
        label: "Read in the docs".to_owned(),
        url,
    }])
}

/// `text` if it fits in `max` characters, else cut on the last line boundary that leaves room for
/// the note, with any open code block closed.
pub fn cut_answer(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    // Room for a closing fence and the note.
    let budget = max.saturating_sub(CUT_NOTE.chars().count() + 6);
    let head: String = text.chars().take(budget).collect();
    let mut kept = match head.rfind('\n') {
        Some(end) if end > 0 => head[..end].trim_end().to_owned(),
        _ => head.trim_end().to_owned(),
    };
    if kept.matches("```").count() % 2 == 1 {
        kept.push_str("\n```");
    }
    kept.push_str("\n\n");
    kept.push_str(CUT_NOTE);
    kept
}

/// A message's address in Discord, which opens it in its channel for whoever may see it.
pub fn message_link(guild: u64, channel: u64, message: u64) -> String {
    format!("https://discord.com/channels/{guild}/{channel}/{message}")
}

/// The first `max` characters, with `…` in place of what was cut.
/// `text` on one line (its white space as single spaces), cut to `max` characters with `…`: a
/// member's message quoted in a list.
pub fn one_line(text: &str, max: usize) -> String {
    cut_chars(&text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

pub fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
