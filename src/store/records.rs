//! What the store keeps: the records of what the bot showed and how it was received, the examples
//! moderators taught, and the statistics read back; and how a message's text is cut to what is
//! kept.

use crate::ids::{ChannelId, GuildId, MessageId, UserId};

/// Longest message text kept, in characters: enough to learn from and to recognise a question,
/// short enough that the store never becomes an archive of the channel.
pub const TEXT_MAX_CHARS: usize = 500;

/// How a suggestion was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Unasked, in a watched channel.
    Auto,
    /// On request, with `/faq`.
    Faq,
    /// By a moderator's "Answer with FAQ".
    Link,
}

impl Shown {
    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Auto => "auto",
            Shown::Faq => "faq",
            Shown::Link => "link",
        }
    }
}

/// What became of a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Solved,
    NotIt,
    Dismissed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Solved => "solved",
            Outcome::NotIt => "not-it",
            Outcome::Dismissed => "dismissed",
        }
    }
}

/// An event to record; written in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An entry was shown.
    Shown {
        at_ms: u64,
        how: Shown,
        guild: Option<GuildId>,
        channel: ChannelId,
        /// The message it answers, if any.
        message: Option<MessageId>,
        /// Who it was for: the asker, or the member `/faq` named.
        user: Option<UserId>,
        entry: String,
        /// The matcher's confidence, for unasked suggestions.
        score: Option<f32>,
        /// The bot's post.
        reply: MessageId,
    },
    /// Feedback on the post `reply`.
    Outcome { reply: MessageId, outcome: Outcome },
    /// A message in a watched channel that no entry answered.
    Unmatched {
        at_ms: u64,
        guild: Option<GuildId>,
        channel: ChannelId,
        message: MessageId,
        user: UserId,
        text: String,
    },
    /// A staff member answered a member's question with a docs page no entry links.
    StaffPage(StaffPage),
}

/// A staff member's reply that linked a page of the FAQ's docs site that no entry links, and the
/// member's question it answered: what `faqbot gaps` lists as a page the FAQ lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPage {
    pub guild: Option<GuildId>,
    /// The page, as the staff member linked it.
    pub page: String,
    /// The member's question, cut to [`TEXT_MAX_CHARS`].
    pub question: Unmatched,
    /// The staff member's reply, and who wrote it.
    pub reply: MessageId,
    pub by: UserId,
}

/// A message taught as an example of an entry: positive from a moderator's link, negative from
/// "Not it".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The server it was taught in: only that server's matcher learns from it. `None`: taught
    /// before the store kept servers apart, or offline (`faqbot examples import`); the bot's one
    /// server adopts such examples at start.
    pub guild: Option<GuildId>,
    pub entry: String,
    pub text: String,
    pub positive: bool,
    pub at_ms: u64,
    /// The member's message, where it is, and its author.
    pub channel: Option<ChannelId>,
    pub message: Option<MessageId>,
    pub author: Option<UserId>,
    /// The bot's reply that showed the entry, and who taught it.
    pub reply: Option<MessageId>,
    pub by: Option<UserId>,
    /// Learned from the channel's history (a staff member's past reply), not from a link made
    /// through the bot.
    pub from_history: bool,
}

/// How far a channel's history was read: everything from `oldest` to `newest` (message ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRead {
    pub newest: MessageId,
    pub oldest: MessageId,
}

/// How one entry was shown and received within a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryStats {
    pub entry: String,
    pub auto: u64,
    pub faq: u64,
    pub link: u64,
    pub solved: u64,
    pub not_it: u64,
    pub dismissed: u64,
}

impl EntryStats {
    pub fn shown(&self) -> u64 {
        self.auto + self.faq + self.link
    }

    /// Solved among the suggestions that got a verdict; `None` before any verdict.
    pub fn helpful_rate(&self) -> Option<f64> {
        helpful_rate(self.solved, self.not_it + self.dismissed)
    }
}

/// One day's unasked suggestions and their verdicts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayStats {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub suggestions: u64,
    pub solved: u64,
    /// Not it or dismissed.
    pub unhelpful: u64,
}

impl DayStats {
    pub fn helpful_rate(&self) -> Option<f64> {
        helpful_rate(self.solved, self.unhelpful)
    }
}

fn helpful_rate(solved: u64, unhelpful: u64) -> Option<f64> {
    let rated = solved + unhelpful;
    (rated > 0).then(|| solved as f64 / rated as f64)
}

/// What `/faq-admin stats` and `faqbot stats` show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Most shown first.
    pub entries: Vec<EntryStats>,
    /// Oldest first, days without suggestions left out.
    pub days: Vec<DayStats>,
    /// The most frequent messages that matched nothing: (an example of the text, how often).
    pub unmatched: Vec<(String, u64)>,
}

/// A member's question that matched nothing, as `faqbot gaps` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub at_ms: u64,
    pub channel: ChannelId,
    pub message: MessageId,
    pub user: UserId,
    /// Cut to [`TEXT_MAX_CHARS`] when it was recorded.
    pub text: String,
}

/// What `faqbot forget` removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub events: usize,
    pub examples: usize,
    pub unmatched: usize,
    /// Staff answers linking a page no entry links: the user's questions, or the user's answers.
    pub staff_pages: usize,
}

/// Unmatched messages are grouped by their first this many characters, lowercased.
const KEY_CHARS: usize = 100;

/// The grouping key of an unmatched message: lowercase words, first characters only.
pub(super) fn unmatched_key(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| w.to_lowercase()).collect();
    words.join(" ").chars().take(KEY_CHARS).collect()
}

/// Messages shorter than this are chatter ("thanks!"), not questions: not recorded as questions
/// the FAQ lacks, nor learned from a channel's history.
pub const QUESTION_MIN_CHARS: usize = 15;

/// Whether `text` is long enough to be a question (see [`QUESTION_MIN_CHARS`]).
pub fn may_be_a_question(text: &str) -> bool {
    text.trim().chars().count() >= QUESTION_MIN_CHARS
}

/// What the store keeps of a message's text: its first [`TEXT_MAX_CHARS`] characters.
pub fn cut_text(text: &str) -> &str {
    match text.char_indices().nth(TEXT_MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
