//! What the bot posts: an FAQ entry (and who asked) to a Discord message.
//!
//! The one place that knows Discord's limits on messages and who a message may ping. Every post is
//! built as a plain [`Post`] (easy to test); the Discord layer turns it into serenity's builders
//! (`discord/convert.rs`), always with an explicit `allowed_mentions` that names at most the users
//! the post means to ping, so no text from faq.toml or from a user can ping `@everyone`, `@here` or
//! a role.

use std::fmt::Write as _;
use std::time::Duration;

use crate::action::Action;
use crate::faq::Entry;

/// Message content, in characters.
pub const CONTENT_MAX: usize = 2000;
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
    let mut lines = vec![format!("**faqbot, the last {days} days**")];
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
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let text = cut_chars(&text.replace('`', "'"), 90);
            lines.push(format!("{count}× `{text}`"));
        }
    }
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

/// The first `max` characters, with `…` in place of what was cut.
pub fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn sample(answer: &str) -> Entry {
        Entry {
            id: "500-error".into(),
            question: "I'm getting a 500 error".into(),
            answer: answer.into(),
            link: Some("https://cipp.app/docs/general/faq/#500-error".into()),
            ..Entry::default()
        }
    }

    fn wire(post: &Post) -> Value {
        serde_json::to_value(post.to_message()).unwrap()
    }

    #[test]
    fn stats_fit_one_message_and_show_rates() {
        use crate::store::{EntryStats, Stats};
        let entry = |n: usize| EntryStats {
            entry: format!("entry-{n}"),
            auto: 3,
            faq: 1,
            link: 0,
            solved: 1,
            not_it: 1,
            dismissed: 0,
        };
        let many = Stats {
            entries: (0..200).map(entry).collect(),
            days: Vec::new(),
            unmatched: Vec::new(),
        };
        let post = stats(&many, 30);
        assert!(post.content.chars().count() <= CONTENT_MAX);
        assert!(post.ephemeral);
        assert!(post
            .content
            .contains("`entry-0`: shown 4 (unasked 3, /faq 1, linked 0); 50% helpful"));
        let few = Stats {
            entries: vec![entry(1)],
            days: Vec::new(),
            unmatched: vec![("how do I `add` a tenant".to_owned(), 4)],
        };
        assert!(stats(&few, 7)
            .content
            .contains("4× `how do I 'add' a tenant`"));
    }

    #[test]
    fn entry_for_a_member_pings_only_that_member() {
        let post = entry(&sample("answer @everyone <@&5>"), Some(42), false);
        let wire = wire(&post);
        assert_eq!(wire["content"], "FAQ for <@42>");
        assert_eq!(
            wire["allowed_mentions"],
            json!({"parse": [], "users": ["42"], "roles": [], "replied_user": false})
        );
        assert_eq!(wire["embeds"][0]["title"], "I'm getting a 500 error");
        assert_eq!(
            wire["embeds"][0]["url"],
            "https://cipp.app/docs/general/faq/#500-error"
        );
        assert_eq!(
            wire["components"][0]["components"][0]["label"],
            "Read in the docs"
        );
    }

    #[test]
    fn suggestions_do_not_ping_and_carry_feedback_buttons() {
        let post = suggestion(&sample("answer"), 7);
        let wire = wire(&post);
        assert_eq!(wire["allowed_mentions"]["parse"], json!([]));
        assert_eq!(wire["allowed_mentions"]["users"], json!([]));
        assert_eq!(wire["allowed_mentions"]["replied_user"], false);
        let labels: Vec<&str> = wire["components"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["Read in the docs", "Solved it", "Not it", "Dismiss"]
        );
        assert_eq!(
            wire["components"][0]["components"][3]["custom_id"],
            "faqbot:dismiss:7"
        );
    }

    #[test]
    fn long_answers_are_cut_on_a_line_with_a_note_and_closed_code() {
        let mut answer = String::from("Intro line\n```\n");
        for n in 0..200 {
            answer.push_str(&format!("log line number {n}\n"));
        }
        answer.push_str("```\nend");
        let post = suggestion(&sample(&answer), 1);
        let description = &post.embed.unwrap().description;
        assert!(description.chars().count() <= SUGGESTION_ANSWER_MAX);
        assert!(description.ends_with(CUT_NOTE));
        let body = description.trim_end_matches(CUT_NOTE).trim_end();
        assert!(body.ends_with("```"), "{body}");
        assert_eq!(description.matches("```").count() % 2, 0);
        // Whole lines only.
        assert!(body
            .lines()
            .rev()
            .nth(1)
            .unwrap()
            .starts_with("log line number"));

        let full = entry(&sample(&answer), None, false);
        assert_eq!(full.embed.unwrap().description, answer);
    }

    #[test]
    fn cutting_never_exceeds_the_limit_even_without_line_breaks() {
        let long = "é".repeat(5000);
        assert!(cut_answer(&long, 1000).chars().count() <= 1000);
        assert_eq!(cut_chars(&long, 100).chars().count(), 100);
        assert_eq!(cut_chars("short", 100), "short");
    }

    #[test]
    fn solved_keeps_the_answer_and_the_docs_link_and_pings_nobody() {
        let wire = wire(&solved(&sample("answer"), 7));
        assert_eq!(wire["content"], "✅ Solved, says <@7>");
        assert_eq!(wire["allowed_mentions"]["users"], json!([]));
        assert_eq!(wire["allowed_mentions"]["replied_user"], false);
        assert_eq!(
            wire["components"][0]["components"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(wire["embeds"][0]["description"], "answer");
    }

    #[test]
    fn linked_names_the_moderator_without_pinging_them() {
        let wire = wire(&linked(&sample("answer"), 9, 5));
        assert_eq!(wire["content"], "Linked by <@9>");
        assert_eq!(wire["allowed_mentions"]["users"], json!([]));
        assert_eq!(wire["allowed_mentions"]["replied_user"], true);
    }

    #[test]
    fn not_found_without_a_name_points_to_autocomplete() {
        assert_eq!(
            not_found(" ", &[]).content,
            "Give an entry: start typing in the `entry` field to see the entries."
        );
    }

    #[test]
    fn not_found_offers_at_most_three_and_strips_backticks() {
        let a = sample("a");
        let text = not_found("x`y", &[&a, &a, &a, &a]).content;
        assert_eq!(
            text,
            "No FAQ entry `xy`. Did you mean `500-error`, `500-error` or `500-error`?"
        );
        assert!(not_found("zz", &[]).content.contains("Start typing"));
    }

    #[test]
    fn picker_is_private_with_a_select_and_a_search_button() {
        let a = sample("a");
        let post = picker(1, 2, &[&a]);
        assert!(post.ephemeral);
        let wire = serde_json::to_value(post.to_interaction()).unwrap();
        assert_eq!(wire["flags"], 64);
        assert_eq!(
            wire["components"][0]["components"][0]["custom_id"],
            "faqbot:link:1:2"
        );
        assert_eq!(
            wire["components"][0]["components"][0]["options"][0]["value"],
            "500-error"
        );
        assert_eq!(
            wire["components"][1]["components"][0]["custom_id"],
            "faqbot:search:1:2"
        );
    }
}
