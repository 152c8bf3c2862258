//! The learner on replies of the past: what it learns once, and what it leaves.

use super::*;
use links::normalise;

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
            pages: 0,
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
fn a_staff_answer_with_a_docs_page_no_entry_links_is_kept_as_a_page() {
    let mut learner = Learner::new(GuildId(1), &faq(), &[]);
    let backup = "https://docs.example.org/setup/backup.";
    assert!(learner.worth_keeping(&[backup.to_owned()], true));
    assert!(
        !learner.worth_keeping(&[backup.to_owned()], false),
        "a member's link is no answer"
    );
    let taught = learner.consider(&answer(&[backup], true), &asked(30, 3, QUESTION));
    assert!(taught.is_none(), "a page is no example");
    // The same answer read twice, a member's link, and the question too short: not kept.
    learner.consider(&answer(&[backup], true), &asked(30, 3, QUESTION));
    learner.consider(&answer(&[backup], false), &asked(31, 3, QUESTION));
    learner.consider(&answer(&[backup], true), &asked(32, 3, "thanks!"));
    // Not pages the FAQ lacks: the docs' front page, another site, a page an entry links.
    for link in [
        "https://docs.example.org/",
        "https://github.com/org/repo/issues/1",
        "https://docs.example.org/faq#nothing-here",
    ] {
        assert!(!learner.worth_keeping(&[link.to_owned()], true), "{link}");
    }
    let pages = learner.pages();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].page, "https://docs.example.org/setup/backup");
    assert_eq!(
        (pages[0].question.message, pages[0].question.user),
        (MessageId(30), UserId(3))
    );
    assert_eq!((pages[0].reply, pages[0].by), (MessageId(900), UserId(7)));
    assert_eq!(pages[0].guild, Some(GuildId(1)));
    let counts = learner.counts();
    assert_eq!(
        (
            counts.pages,
            counts.known,
            counts.not_staff,
            counts.too_short
        ),
        (1, 1, 1, 1)
    );
    // An entry's link in the same answer wins: it teaches that entry.
    let both = answer(&[backup, "https://docs.example.org/setup/guide"], true);
    let taught = learner.consider(&both, &asked(33, 3, QUESTION));
    assert_eq!(taught.map(|e| e.entry), Some("setup".to_owned()));
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
