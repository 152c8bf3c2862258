//! Learning from a channel's past: a staff member's reply that links an entry's documentation
//! (or the bot's `/faq` answer a staff member aimed at the asker) turns the asker's message into a
//! learned example of that entry. No Discord types: the Discord layer reads the history and hands
//! each answer here with the message it answered; what does not become an example is dropped.

use std::collections::{HashMap, HashSet};

use crate::faq::Faq;
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::{self, Example};

/// Messages shorter than this are chatter ("thanks!"), not questions; the same bound as the
/// unmatched questions the bot records.
pub const QUESTION_MIN_CHARS: usize = crate::service::QUESTION_MIN_CHARS;

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
    /// The message answered was shorter than [`QUESTION_MIN_CHARS`].
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
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} learned; skipped: {} already known, {} vetoed, {} answering a bot, {} too short, {} not by staff, {} not answering a member's question, {} answering a deleted message, {} linking no entry",
            self.learned,
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
            counts: Counts::default(),
        }
    }

    /// Whether a message's links name an entry: worth keeping until its question is known.
    pub fn names_an_entry(&self, links: &[String]) -> bool {
        links.iter().any(|link| self.links.entry(link).is_some())
    }

    /// The example `answer` teaches about `asked`, if it teaches one; counted either way.
    pub fn consider(&mut self, answer: &Answer, asked: &Asked) -> Option<Example> {
        let Some(entry) = answer.links.iter().find_map(|link| self.links.entry(link)) else {
            self.counts.other_links += 1;
            return None;
        };
        let entry = entry.to_owned();
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
        if text.trim().chars().count() < QUESTION_MIN_CHARS {
            self.counts.too_short += 1;
            return None;
        }
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

/// The entries' documentation links, normalised, and the entry each leads to.
struct Links {
    /// (host, path, anchor) → entry; an anchorless page of several entries leads to none.
    exact: HashMap<(String, String, String), String>,
    /// (host, path) → the entries with a link to that page.
    pages: HashMap<(String, String), Vec<String>>,
}

impl Links {
    fn new(faq: &Faq) -> Links {
        let mut exact = HashMap::new();
        let mut pages: HashMap<(String, String), Vec<String>> = HashMap::new();
        for entry in &faq.entries {
            let addresses = entry.link.iter().chain(&entry.old_links);
            for link in addresses {
                let Some(url) = normalise(link) else {
                    continue;
                };
                exact.insert(
                    (url.host.clone(), url.path.clone(), url.anchor),
                    entry.id.clone(),
                );
                let page = pages.entry((url.host, url.path)).or_default();
                if !page.contains(&entry.id) {
                    page.push(entry.id.clone());
                }
            }
        }
        Links { exact, pages }
    }

    /// The entry a link leads to: the same page and anchor, or the page alone when only one
    /// entry lives there.
    fn entry(&self, link: &str) -> Option<&str> {
        let url = normalise(link)?;
        if let Some(entry) =
            self.exact
                .get(&(url.host.clone(), url.path.clone(), url.anchor.clone()))
        {
            return Some(entry);
        }
        match self.pages.get(&(url.host, url.path))?.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// A link as compared: the scheme, `www.`, letter case of the host, a trailing slash, an `.html`
/// or `.md` ending, the query and an empty anchor do not matter.
#[derive(Debug, PartialEq, Eq)]
struct Url {
    host: String,
    path: String,
    anchor: String,
}

fn normalise(link: &str) -> Option<Url> {
    let link = link.trim().trim_end_matches(['>', ')', '.', ',']);
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))?;
    let (rest, anchor) = rest.split_once('#').unwrap_or((rest, ""));
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    if host.is_empty() {
        return None;
    }
    let path = path.trim_end_matches('/');
    let path = path
        .strip_suffix(".html")
        .or_else(|| path.strip_suffix(".md"))
        .unwrap_or(path)
        .to_ascii_lowercase();
    Some(Url {
        host,
        path,
        anchor: anchor.to_ascii_lowercase(),
    })
}

/// The links in a text: what starts with `http://` or `https://`, up to a space or a bracket.
pub fn links_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '"'))
        .filter(|word| word.starts_with("https://") || word.starts_with("http://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq() -> Faq {
        Faq::parse(
            r#"
[faq]
page = "https://docs.example.org/faq/"

[[entry]]
id = "500-error"
question = "I'm getting a 500 error"
answer = "Restart the function app."

[[entry]]
id = "cost"
question = "What does it cost?"
answer = "Nothing."

[[entry]]
id = "setup"
question = "How do I set it up?"
answer = "Follow the guide."
link = "https://docs.example.org/setup/guide"
old_links = ["https://example.org/docs/setup"]
"#,
            "faq.toml",
        )
        .unwrap()
    }

    fn answer(links: &[&str], staff: bool) -> Answer {
        Answer {
            id: MessageId(900),
            author: UserId(7),
            staff,
            faq_for: None,
            links: links.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn asked(id: u64, author: u64, text: &str) -> Asked {
        Asked::Message {
            id: MessageId(id),
            channel: ChannelId(5),
            author: UserId(author),
            bot: false,
            staff: false,
            text: text.to_owned(),
        }
    }

    const QUESTION: &str = "my dashboard shows a 500 error since this morning";

    #[test]
    fn links_are_compared_without_scheme_host_case_slash_or_query() {
        let links = Links::new(&faq());
        for link in [
            "https://docs.example.org/faq/#500-error",
            "http://WWW.docs.example.org/faq#500-error",
            "https://docs.example.org/faq?ref=discord#500-ERROR",
        ] {
            assert_eq!(links.entry(link), Some("500-error"), "{link}");
        }
        // The page of two entries without an anchor leads to neither; a page of one to it.
        assert_eq!(links.entry("https://docs.example.org/faq"), None);
        assert_eq!(
            links.entry("https://docs.example.org/setup/guide/"),
            Some("setup")
        );
        assert_eq!(
            links.entry("https://docs.example.org/setup/guide.md"),
            Some("setup")
        );
        // The docs' old address of the page counts.
        assert_eq!(links.entry("https://example.org/docs/setup"), Some("setup"));
        assert_eq!(links.entry("https://elsewhere.org/faq#500-error"), None);
        assert_eq!(links.entry("not a link"), None);
    }

    #[test]
    fn a_staff_link_reply_teaches_once_and_everything_else_is_counted() {
        let stored = vec![Example {
            guild: Some(GuildId(1)),
            entry: "cost".into(),
            text: "how much is it".into(),
            positive: false,
            at_ms: 0,
            channel: None,
            message: Some(MessageId(12)),
            author: None,
            reply: None,
            by: None,
            from_history: false,
        }];
        let mut learner = Learner::new(GuildId(1), &faq(), &stored);
        let link = "https://docs.example.org/faq/#500-error";
        let learned = learner.consider(&answer(&[link], true), &asked(10, 3, QUESTION));
        let example = learned.expect("learned");
        assert_eq!(
            (example.entry.as_str(), example.message),
            ("500-error", Some(MessageId(10)))
        );
        assert_eq!(
            (example.by, example.reply),
            (Some(UserId(7)), Some(MessageId(900)))
        );
        assert!(example.from_history && example.positive);
        // The same pair again (a second run), by a non-member, to a bot, short, vetoed, deleted.
        assert!(learner
            .consider(&answer(&[link], true), &asked(10, 3, QUESTION))
            .is_none());
        assert!(learner
            .consider(&answer(&[link], false), &asked(11, 3, QUESTION))
            .is_none());
        let from_bot = Asked::Message {
            id: MessageId(13),
            channel: ChannelId(5),
            author: UserId(3),
            bot: true,
            staff: false,
            text: QUESTION.into(),
        };
        assert!(learner
            .consider(&answer(&[link], true), &from_bot)
            .is_none());
        assert!(learner
            .consider(&answer(&[link], true), &asked(14, 3, "thanks!"))
            .is_none());
        let cost = "https://docs.example.org/faq#cost";
        assert!(learner
            .consider(&answer(&[cost], true), &asked(12, 3, QUESTION))
            .is_none());
        assert!(learner
            .consider(&answer(&[link], true), &Asked::Deleted)
            .is_none());
        let elsewhere = "https://github.com/org/repo/issues/1";
        assert!(learner
            .consider(&answer(&[elsewhere], true), &asked(15, 3, QUESTION))
            .is_none());
        let counts = learner.counts();
        assert_eq!(
            counts,
            Counts {
                learned: 1,
                known: 1,
                vetoed: 1,
                from_bot: 1,
                too_short: 1,
                not_staff: 1,
                no_question: 0,
                deleted: 1,
                other_links: 1,
            }
        );
        assert_eq!(counts.total(), 8);
    }

    #[test]
    fn the_bots_faq_answer_teaches_only_about_the_member_it_was_aimed_at() {
        let mut learner = Learner::new(GuildId(1), &faq(), &[]);
        let faq_answer = Answer {
            faq_for: Some(UserId(3)),
            staff: false,
            ..answer(&["https://docs.example.org/setup/guide"], false)
        };
        assert!(learner
            .consider(&faq_answer, &asked(20, 4, QUESTION))
            .is_none());
        let example = learner.consider(&faq_answer, &asked(21, 3, QUESTION));
        assert_eq!(example.map(|e| e.entry), Some("setup".to_owned()));
        assert_eq!(learner.counts().no_question, 1);
    }

    #[test]
    fn links_are_found_in_text() {
        let text = "see <https://a.org/x> and (https://b.org/y#z) or http://c.org, not ftp://d";
        assert_eq!(
            links_in(text).collect::<Vec<_>>(),
            ["https://a.org/x", "https://b.org/y#z", "http://c.org,"]
        );
        assert_eq!(
            normalise("http://c.org,").map(|u| u.host),
            Some("c.org".to_owned())
        );
    }
}
