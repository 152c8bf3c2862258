//! Learning from a channel's past: a staff member's reply that links an entry's documentation
//! (or the bot's `/faq` answer a staff member aimed at the asker) turns the asker's message into a
//! learned example of that entry. No Discord types: the Discord layer reads the history and hands
//! each answer here with the message it answered; what does not become an example is dropped.

use std::collections::HashSet;

mod links;

use crate::faq::Faq;
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::{self, Example, StaffPage, Unmatched};
pub use links::{links_in, page_of, Links};

/// How many days of history are read unless told otherwise: half a year holds most of what a
/// community answers again and again, while docs links older than that often point to pages that
/// have since moved.
pub const SINCE_DAYS: u64 = 180;

/// A message of the history that may answer a question: it has links, or it is the bot's answer
/// to a `/faq`.
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: MessageId,
    pub author: UserId,
    /// Whether its author had the moderator or staff role.
    pub staff: bool,
    /// For the bot's own answer to a staff member's `/faq`: the member it was aimed at.
    pub faq_for: Option<UserId>,
    /// The links it holds (in its text, embeds and buttons).
    pub links: Vec<String>,
}

/// The message an answer answered: the one it replies to, or the first of its thread.
#[derive(Debug, Clone)]
pub enum Asked {
    /// Discord says it was deleted.
    Deleted,
    Message {
        id: MessageId,
        channel: ChannelId,
        author: UserId,
        /// A bot or a webhook wrote it.
        bot: bool,
        /// Its author had the moderator or staff role.
        staff: bool,
        text: String,
    },
}

/// What became of the answers read, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Examples learned.
    pub learned: usize,
    /// Already learned (an earlier run, a moderator's link, or twice in this one).
    pub known: usize,
    /// A moderator had said "Not it" to that entry for that message.
    pub vetoed: usize,
    /// The message answered was a bot's.
    pub from_bot: usize,
    /// The message answered was shorter than [`store::QUESTION_MIN_CHARS`].
    pub too_short: usize,
    /// The link was posted by someone without the moderator or staff role.
    pub not_staff: usize,
    /// The answer replied to no member's question (not a reply, and its thread was not opened by a
    /// member; or a `/faq` aimed at someone else).
    pub no_question: usize,
    /// The message answered was deleted.
    pub deleted: usize,
    /// Links, but to no entry's documentation.
    pub other_links: usize,
    /// Links to a docs page no entry links: kept as a page the FAQ lacks, for `faqbot gaps`.
    pub pages: usize,
}

impl Counts {
    /// Every answer considered.
    pub fn total(&self) -> usize {
        self.learned
            + self.known
            + self.vetoed
            + self.from_bot
            + self.too_short
            + self.not_staff
            + self.no_question
            + self.deleted
            + self.other_links
            + self.pages
    }

    /// Adds another run's counts.
    pub fn add(&mut self, other: &Counts) {
        self.learned += other.learned;
        self.known += other.known;
        self.vetoed += other.vetoed;
        self.from_bot += other.from_bot;
        self.too_short += other.too_short;
        self.not_staff += other.not_staff;
        self.no_question += other.no_question;
        self.deleted += other.deleted;
        self.other_links += other.other_links;
        self.pages += other.pages;
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} learned; {} kept as docs pages no entry links; skipped: {} already known, {} vetoed, {} answering a bot, {} too short, {} not by staff, {} not answering a member's question, {} answering a deleted message, {} linking no entry",
            self.learned,
            self.pages,
            self.known,
            self.vetoed,
            self.from_bot,
            self.too_short,
            self.not_staff,
            self.no_question,
            self.deleted,
            self.other_links
        )
    }
}

/// Turns answers into examples: which entry a link means, what is already known or vetoed.
pub struct Learner {
    /// The server learned in: the examples belong to it.
    server: GuildId,
    links: Links,
    vetoed: HashSet<(MessageId, String)>,
    known: HashSet<(MessageId, String)>,
    /// Staff answers with a docs page no entry links, by (question, page).
    pages: Vec<StaffPage>,
    counts: Counts,
}

impl Learner {
    /// A learner for `server`'s `faq`, knowing the examples already stored there (learned ones
    /// are not learned again, vetoed pairs are skipped).
    pub fn new(server: GuildId, faq: &Faq, stored: &[Example]) -> Learner {
        let mut vetoed = HashSet::new();
        let mut known = HashSet::new();
        for example in stored {
            if let Some(message) = example.message {
                let pair = (message, example.entry.clone());
                if example.positive {
                    known.insert(pair);
                } else {
                    vetoed.insert(pair);
                }
            }
        }
        Learner {
            server,
            links: Links::new(faq),
            vetoed,
            known,
            pages: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Whether a message's links name an entry, or (posted by staff) a docs page no entry links:
    /// worth keeping until its question is known. A member's links to other pages are no answer.
    pub fn worth_keeping(&self, links: &[String], by_staff: bool) -> bool {
        match self.target(links) {
            Some(Target::Entry(_)) => true,
            Some(Target::Page(_)) => by_staff,
            None => false,
        }
    }

    /// What a message's links teach about: the first entry they name, else the first docs page
    /// no entry links.
    fn target(&self, links: &[String]) -> Option<Target> {
        links
            .iter()
            .find_map(|link| self.links.entry(link))
            .map(|entry| Target::Entry(entry.to_owned()))
            .or_else(|| self.links.missing_page(links).map(Target::Page))
    }

    /// The example `answer` teaches about `asked`, if it teaches one; counted either way. An
    /// answer with a docs page no entry links is kept among [`pages`](Self::pages) instead.
    pub fn consider(&mut self, answer: &Answer, asked: &Asked) -> Option<Example> {
        let entry = match self.target(&answer.links) {
            Some(Target::Entry(entry)) => entry,
            Some(Target::Page(page)) => {
                self.page(answer, asked, page);
                return None;
            }
            None => {
                self.counts.other_links += 1;
                return None;
            }
        };
        let (id, channel, author, text) = self.question(answer, asked)?;
        let pair = (id, entry);
        if self.vetoed.contains(&pair) {
            self.counts.vetoed += 1;
            return None;
        }
        if !self.known.insert(pair.clone()) {
            self.counts.known += 1;
            return None;
        }
        self.counts.learned += 1;
        Some(Example {
            guild: Some(self.server),
            entry: pair.1,
            text: store::cut_text(text).to_owned(),
            positive: true,
            at_ms: crate::time::created_ms(id.get()),
            channel: Some(channel),
            message: Some(id),
            author: Some(author),
            reply: Some(answer.id),
            by: Some(answer.author),
            from_history: true,
        })
    }

    /// Keeps a staff answer that linked `page`, which no entry links, when it answered a member's
    /// question.
    fn page(&mut self, answer: &Answer, asked: &Asked, page: String) {
        let Some((id, channel, author, text)) = self.question(answer, asked) else {
            return;
        };
        if self
            .pages
            .iter()
            .any(|kept| kept.question.message == id && kept.page == page)
        {
            self.counts.known += 1;
            return;
        }
        self.counts.pages += 1;
        let question = Unmatched {
            at_ms: crate::time::created_ms(id.get()),
            channel,
            message: id,
            user: author,
            text: store::cut_text(text).to_owned(),
        };
        self.pages.push(StaffPage {
            guild: Some(self.server),
            page,
            question,
            reply: answer.id,
            by: answer.author,
        });
    }

    /// The member's question `answer` answered, when a staff member answered a member's question
    /// long enough to learn from; counted by reason when not.
    fn question<'a>(
        &mut self,
        answer: &Answer,
        asked: &'a Asked,
    ) -> Option<(MessageId, ChannelId, UserId, &'a str)> {
        let by_staff = answer.staff || answer.faq_for.is_some();
        if !by_staff {
            self.counts.not_staff += 1;
            return None;
        }
        let (id, channel, author, bot, staff, text) = match asked {
            Asked::Deleted => {
                self.counts.deleted += 1;
                return None;
            }
            Asked::Message {
                id,
                channel,
                author,
                bot,
                staff,
                text,
            } => (*id, *channel, *author, *bot, *staff, text),
        };
        if bot {
            self.counts.from_bot += 1;
            return None;
        }
        if staff || answer.faq_for.is_some_and(|user| user != author) {
            self.counts.no_question += 1;
            return None;
        }
        if !store::may_be_a_question(text) {
            self.counts.too_short += 1;
            return None;
        }
        Some((id, channel, author, text))
    }

    /// The staff answers kept so far that linked a docs page no entry links.
    pub fn pages(&self) -> &[StaffPage] {
        &self.pages
    }

    /// Counts a staff message whose links lead to no entry.
    pub fn other_links(&mut self) {
        self.counts.other_links += 1;
    }

    /// Counts a staff reply whose question could not be found (it replies to nothing and its
    /// thread's first message is not a member's).
    pub fn no_question(&mut self) {
        self.counts.no_question += 1;
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }
}

/// What an answer's links teach about.
enum Target {
    Entry(String),
    Page(String),
}

#[cfg(test)]
mod tests;
