//! The behaviour every [`Backend`] must show, run by the tests of each one (SQLite always,
//! PostgreSQL where it is installed). `open` opens the same database again each time it is
//! called: a new handle, as another process or a later run would have.

use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::memory::{Claim, PlaceSeen};
use crate::store::{Backend, Example, Outcome, Record, Shown, StaffPage, Unmatched};

/// The server most checks keep their rows in, and another.
const HOME: GuildId = GuildId(1);
const OTHER: GuildId = GuildId(2);

/// Opens the database under test again.
pub(crate) type Open<'a> = &'a dyn Fn() -> Box<dyn Backend>;

/// Opens one new database again and again.
pub(crate) type Opener = Box<dyn Fn() -> Box<dyn Backend>>;

/// Every check below, in order, each on its own database from `fresh`.
pub(crate) fn check_all(fresh: &dyn Fn(&str) -> Opener) {
    crate::memory::check_contract(&*fresh("memory")());
    two_handles_never_both_win_a_claim(&*fresh("two"));
    an_answer_left_unfinished_is_taken_over_once_its_runs_lease_is_over(&*fresh("runs"));
    examples_are_capped_per_entry_oldest_dropped_and_unlinked(&*fresh("examples"));
    stats_count_shown_outcomes_days_and_unmatched_and_forget_removes_a_user(&*fresh("stats"));
    examples_added_twice_are_kept_once_and_history_reads_are_remembered(&*fresh("history"));
    what_is_taught_moves_the_teaching_version(&*fresh("teaching"));
    processes_take_turns_to_identify(&*fresh("identify"));
    servers_are_kept_apart_and_vetoes_capped(&*fresh("servers"));
    a_store_from_before_servers_is_adopted_whole(&*fresh("adopt"));
    staff_pages_are_kept_once_per_server_and_forgotten(&*fresh("pages"));
    a_digest_week_is_taken_once_across_handles(&*fresh("digest"));
}

pub(crate) fn two_handles_never_both_win_a_claim(open: Open) {
    let (a, b) = (open(), open());
    let claim = Claim {
        place: 1,
        entry: "cost".into(),
        until_ms: 2_000,
        message: 7,
    };
    assert_eq!(a.claim(&claim, 1_000), Ok(true));
    let other = Claim {
        message: 8,
        ..claim.clone()
    };
    assert_eq!(b.claim(&other, 1_500), Ok(false));
    assert_eq!(
        b.claim(
            &Claim {
                until_ms: 3_000,
                ..other
            },
            2_000
        ),
        Ok(true)
    );
}

pub(crate) fn an_answer_left_unfinished_is_taken_over_once_its_runs_lease_is_over(open: Open) {
    let earlier = open();
    earlier.hold_lease(10_000, 1_000).unwrap();
    assert_eq!(earlier.answer_once(100, Some(9), 1_000), Ok(true));
    assert_eq!(earlier.answer_once(101, Some(9), 1_000), Ok(true));
    assert_eq!(earlier.answer_once(102, Some(9), 1_000), Ok(true));
    earlier.finish(101).unwrap();
    // The same run never takes a message twice, finished or not.
    assert_eq!(earlier.answer_once(100, Some(9), 1_001), Ok(false));
    assert_eq!(
        earlier.places(u64::MAX, 1_001).unwrap(),
        [PlaceSeen {
            place: 9,
            newest: 102,
            unfinished: None,
            held_for_ms: None,
        }],
        "nothing is unfinished by another run"
    );

    // A run started while the earlier one still runs (a rolling restart's overlap).
    let next = open();
    assert_eq!(
        next.places(u64::MAX, 2_000).unwrap(),
        [PlaceSeen {
            place: 9,
            newest: 102,
            unfinished: Some(100),
            held_for_ms: Some(9_000),
        }],
        "the oldest unfinished answer, held 9 s more"
    );
    assert_eq!(
        next.answer_once(100, Some(9), 2_000),
        Ok(false),
        "a live run's answer is its own"
    );
    earlier.hold_lease(10_000, 5_000).unwrap();
    assert_eq!(next.answer_once(100, Some(9), 12_000), Ok(false), "renewed");
    assert_eq!(
        next.answer_once(100, Some(9), 15_000),
        Ok(true),
        "taken over once the lease ran out (the run died)"
    );
    assert_eq!(next.answer_once(100, Some(9), 15_001), Ok(false));
    assert_eq!(
        next.answer_once(101, Some(9), 15_000),
        Ok(false),
        "finished"
    );
    assert_eq!(next.places(u64::MAX, 15_000).unwrap()[0].held_for_ms, None);
    next.finish(100).unwrap();
    next.finish(102).unwrap();
    assert_eq!(next.places(u64::MAX, 15_000).unwrap()[0].unfinished, None);

    // A run that ends leaves what it did not finish to the others at once.
    let stopping = open();
    stopping.hold_lease(10_000, 20_000).unwrap();
    assert_eq!(stopping.answer_once(200, Some(9), 20_000), Ok(true));
    assert_eq!(next.answer_once(200, Some(9), 20_001), Ok(false));
    stopping.end_lease(20_002).unwrap();
    assert_eq!(next.answer_once(200, Some(9), 20_002), Ok(true), "ended");
    // A run that never took a lease (a test's, the demo's) keeps its answers.
    let unleased = open();
    assert_eq!(unleased.answer_once(300, Some(9), 30_000), Ok(true));
    assert_eq!(next.answer_once(300, Some(9), 90_000), Ok(false));
}

pub(crate) fn examples_are_capped_per_entry_oldest_dropped_and_unlinked(open: Open) {
    let db = open();
    for n in 0..5u64 {
        db.add_example(&example_in(Some(HOME), true, n), 3).unwrap();
    }
    let negative = Example {
        guild: Some(HOME),
        entry: "cost".into(),
        text: "not this".into(),
        positive: false,
        at_ms: 9,
        channel: Some(ChannelId(2)),
        message: Some(MessageId(300)),
        author: Some(UserId(8)),
        reply: None,
        by: Some(UserId(8)),
        from_history: false,
    };
    db.add_example(&negative, 3).unwrap();
    let texts: Vec<String> = db
        .examples(Some(HOME))
        .unwrap()
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert_eq!(texts, ["text 2", "text 3", "text 4", "not this"]);

    // By the bot's reply or by the member's message; negatives stay.
    assert_eq!(db.remove_link(HOME, MessageId(203)).unwrap().len(), 1);
    assert_eq!(
        db.remove_link(HOME, MessageId(104)).unwrap()[0].text,
        "text 4"
    );
    assert_eq!(db.remove_link(HOME, MessageId(300)).unwrap().len(), 0);
    assert_eq!(db.examples(Some(HOME)).unwrap().len(), 2);
}

pub(crate) fn stats_count_shown_outcomes_days_and_unmatched_and_forget_removes_a_user(open: Open) {
    let db = open();
    let day = crate::time::DAY_MS;
    let shown = |at_ms, how, entry: &str, reply, user| Record::Shown {
        at_ms,
        how,
        guild: Some(HOME),
        channel: ChannelId(2),
        message: Some(MessageId(reply + 1000)),
        user: Some(UserId(user)),
        entry: entry.into(),
        score: Some(0.8),
        reply: MessageId(reply),
    };
    let unmatched = |at_ms, text: &str, user| Record::Unmatched {
        at_ms,
        guild: Some(HOME),
        channel: ChannelId(2),
        message: MessageId(at_ms),
        user: UserId(user),
        text: text.into(),
    };
    db.write(&[
        shown(10 * day, Shown::Auto, "cost", 1, 7),
        shown(10 * day + 5, Shown::Auto, "cost", 2, 8),
        shown(11 * day, Shown::Faq, "cost", 3, 7),
        shown(11 * day, Shown::Link, "500-error", 4, 8),
        shown(11 * day + 1, Shown::Auto, "500-error", 5, 8),
        Record::Outcome {
            reply: MessageId(1),
            outcome: Outcome::Solved,
        },
        Record::Outcome {
            reply: MessageId(2),
            outcome: Outcome::NotIt,
        },
        unmatched(10 * day, "How do I  add a tenant?", 7),
        unmatched(10 * day + 1, "how do i add a TENANT?", 8),
        unmatched(10 * day + 2, "hello", 8),
        // Older than the period asked for.
        shown(day, Shown::Auto, "old", 6, 7),
    ])
    .unwrap();
    let stats = db.stats(Some(HOME), 2 * day, 10).unwrap();
    let cost = &stats.entries[0];
    assert_eq!(
        (
            cost.entry.as_str(),
            cost.auto,
            cost.faq,
            cost.link,
            cost.solved,
            cost.not_it
        ),
        ("cost", 2, 1, 0, 1, 1)
    );
    assert_eq!(cost.helpful_rate(), Some(0.5));
    assert_eq!(stats.entries[1].entry, "500-error");
    assert_eq!(stats.entries[1].helpful_rate(), None);
    assert_eq!(stats.entries.len(), 2);
    let days: Vec<(&str, u64)> = stats
        .days
        .iter()
        .map(|d| (d.day.as_str(), d.suggestions))
        .collect();
    assert_eq!(days, [("1970-01-11", 2), ("1970-01-12", 1)]);
    assert_eq!(stats.unmatched[0].1, 2);
    assert!(stats.unmatched[0].0.to_lowercase().contains("add a tenant"));
    // Each question, for `faqbot gaps`: oldest first, this server's only.
    let asked = db.unmatched(Some(HOME), 10 * day + 1).unwrap();
    let asked: Vec<(u64, &str, u64)> = asked
        .iter()
        .map(|u| (u.at_ms, u.text.as_str(), u.user.get()))
        .collect();
    assert_eq!(
        asked,
        [
            (10 * day + 1, "how do i add a TENANT?", 8),
            (10 * day + 2, "hello", 8)
        ]
    );
    assert!(db.unmatched(None, 0).unwrap().is_empty());

    // The gaps' cached vectors of a user's questions are forgotten with them.
    let vector_of =
        |text: &str| db.vectors("m", &[crate::store::text_hash(text)]).unwrap()[0].clone();
    db.save_vectors("m", &[(crate::store::text_hash("hello"), vec![1.0])])
        .unwrap();
    db.save_vectors(
        "m",
        &[(
            crate::store::text_hash("How do I  add a tenant?"),
            vec![2.0],
        )],
    )
    .unwrap();
    let forgotten = db.forget(UserId(8)).unwrap();
    assert_eq!(vector_of("hello"), None, "user 8's question");
    assert_eq!(
        vector_of("How do I  add a tenant?"),
        Some(vec![2.0]),
        "user 7's"
    );
    assert_eq!((forgotten.events, forgotten.unmatched), (3, 2));
    let stats = db.stats(Some(HOME), 0, 10).unwrap();
    assert_eq!(stats.unmatched.len(), 1);
    assert_eq!(db.unmatched(Some(HOME), 0).unwrap().len(), 1);
    assert_eq!(stats.entries.iter().map(|e| e.shown()).sum::<u64>(), 3);

    db.prune(10 * day + 1, 10 * day + 1).unwrap();
    assert_eq!(
        vector_of("How do I  add a tenant?"),
        None,
        "pruned with its question"
    );
    let stats = db.stats(Some(HOME), 0, 10).unwrap();
    assert_eq!(stats.entries.iter().map(|e| e.shown()).sum::<u64>(), 1);
    assert!(stats.unmatched.is_empty());
}

pub(crate) fn examples_added_twice_are_kept_once_and_history_reads_are_remembered(open: Open) {
    let db = open();
    let example = |n: u64| Example {
        guild: Some(HOME),
        entry: "cost".into(),
        text: format!("how much does it cost {n}"),
        positive: true,
        at_ms: n,
        channel: Some(ChannelId(2)),
        message: Some(MessageId(100 + n)),
        author: Some(UserId(7)),
        reply: Some(MessageId(200 + n)),
        by: Some(UserId(9)),
        from_history: true,
    };
    let batch: Vec<Example> = (0..4).map(example).collect();
    assert_eq!(
        db.add_examples(&batch, 3).unwrap(),
        3,
        "the oldest is over the cap"
    );
    assert_eq!(db.add_examples(&batch, 3).unwrap(), 0, "none twice");
    let kept = db.examples(Some(HOME)).unwrap();
    assert_eq!(kept.len(), 3, "the cap holds");
    assert!(kept.iter().all(|e| e.from_history));
    assert_eq!(kept[0].message, Some(MessageId(101)), "the newest win");

    assert_eq!(db.history_read(ChannelId(2)).unwrap(), None);
    let read = crate::store::HistoryRead {
        newest: MessageId(90),
        oldest: MessageId(10),
    };
    db.set_history_read(ChannelId(2), read).unwrap();
    assert_eq!(db.history_read(ChannelId(2)).unwrap(), Some(read));
}

pub(crate) fn what_is_taught_moves_the_teaching_version(open: Open) {
    let (db, other) = (open(), open());
    let before = other.teaching_version().unwrap();
    let example = example_in(Some(HOME), true, 0);
    db.add_example(&example, 10).unwrap();
    let taught = other.teaching_version().unwrap();
    assert!(taught > before, "a link is seen by another handle");
    db.add_example(&example, 10).unwrap();
    assert_eq!(
        other.teaching_version().unwrap(),
        taught,
        "nothing new taught"
    );
    db.remove_link(HOME, MessageId(200)).unwrap();
    let unlinked = other.teaching_version().unwrap();
    assert!(unlinked > taught, "an unlink is seen");
    db.note_reload(HOME).unwrap();
    assert!(
        other.teaching_version().unwrap() > unlinked,
        "a reload is seen"
    );
}

pub(crate) fn processes_take_turns_to_identify(open: Open) {
    let (a, b) = (open(), open());
    assert_eq!(
        a.identify_turn(2, 5_000).unwrap(),
        0,
        "the first goes at once"
    );
    let wait = b.identify_turn(1, 5_000).unwrap();
    assert!(
        (9_000..=10_000).contains(&wait),
        "after a's two shards: {wait}"
    );
    let after = a.identify_turn(1, 5_000).unwrap();
    assert!((14_000..=15_000).contains(&after), "after b's: {after}");
}

/// Example `n` of `cost` in `guild`: text `text {n}`, message `100 + n`, the bot's reply `200 + n`.
fn example_in(guild: Option<GuildId>, positive: bool, n: u64) -> Example {
    Example {
        guild,
        entry: "cost".into(),
        text: format!("text {n}"),
        positive,
        at_ms: n,
        channel: Some(ChannelId(2)),
        message: Some(MessageId(100 + n)),
        author: Some(UserId(7)),
        reply: Some(MessageId(200 + n)),
        by: Some(UserId(9)),
        from_history: false,
    }
}

pub(crate) fn servers_are_kept_apart_and_vetoes_capped(open: Open) {
    let (db, other) = (open(), open());
    let version = other.teaching_version().unwrap();
    db.add_example(&example_in(Some(HOME), true, 1), 3).unwrap();
    assert_eq!(other.taught_since(version).unwrap(), [HOME]);
    // The same message taught in another server is that server's own example.
    db.add_example(&example_in(Some(OTHER), true, 1), 3)
        .unwrap();
    for n in 10..20 {
        db.add_example(&example_in(Some(OTHER), false, n), 3)
            .unwrap();
    }
    assert_eq!(db.examples(Some(HOME)).unwrap().len(), 1);
    let others = db.examples(Some(OTHER)).unwrap();
    let vetoes: Vec<&str> = others
        .iter()
        .filter(|e| !e.positive)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        vetoes,
        ["text 17", "text 18", "text 19"],
        "vetoes are capped too"
    );
    assert_eq!(other.taught_since(version).unwrap(), [HOME, OTHER]);
    // A link is undone only from its own server.
    assert!(db.remove_link(OTHER, MessageId(201)).unwrap().len() == 1);
    assert_eq!(
        db.examples(Some(HOME)).unwrap().len(),
        1,
        "home keeps its own"
    );
    assert!(db.remove_link(OTHER, MessageId(201)).unwrap().is_empty());
    // Statistics are per server.
    let unmatched = |guild, message| Record::Unmatched {
        at_ms: 5,
        guild: Some(guild),
        channel: ChannelId(2),
        message: MessageId(message),
        user: UserId(7),
        text: "how do I add a tenant".into(),
    };
    db.write(&[unmatched(HOME, 1), unmatched(OTHER, 2), unmatched(OTHER, 3)])
        .unwrap();
    assert_eq!(db.stats(Some(HOME), 0, 10).unwrap().unmatched[0].1, 1);
    assert_eq!(db.stats(Some(OTHER), 0, 10).unwrap().unmatched[0].1, 2);
    assert_eq!(db.servers().unwrap(), [HOME, OTHER]);
}

pub(crate) fn a_store_from_before_servers_is_adopted_whole(open: Open) {
    let db = open();
    db.add_example(&example_in(None, true, 1), 10).unwrap();
    db.add_example(&example_in(None, false, 2), 10).unwrap();
    db.write(&[Record::Unmatched {
        at_ms: 5,
        guild: None,
        channel: ChannelId(2),
        message: MessageId(9),
        user: UserId(7),
        text: "how do I add a tenant".into(),
    }])
    .unwrap();
    assert!(db.examples(Some(HOME)).unwrap().is_empty());
    assert_eq!(db.examples(None).unwrap().len(), 2);
    let version = db.teaching_version().unwrap();
    assert_eq!(db.adopt(HOME).unwrap(), 2);
    assert_eq!(db.examples(Some(HOME)).unwrap().len(), 2);
    assert_eq!(db.stats(Some(HOME), 0, 10).unwrap().unmatched.len(), 1);
    assert_eq!(db.taught_since(version).unwrap(), [HOME]);
    assert_eq!(db.adopt(OTHER).unwrap(), 0, "nothing left to adopt");
}

pub(crate) fn staff_pages_are_kept_once_per_server_and_forgotten(open: Open) {
    let db = open();
    let page = |guild, message, page: &str, user, by| {
        Record::StaffPage(StaffPage {
            guild: Some(guild),
            page: page.into(),
            question: Unmatched {
                at_ms: message * 10,
                channel: ChannelId(2),
                message: MessageId(message),
                user: UserId(user),
                text: "how do I set up the backup schedule?".into(),
            },
            reply: MessageId(message + 100),
            by: UserId(by),
        })
    };
    let backup = "https://docs.example.org/setup/backup";
    db.write(&[
        page(HOME, 1, backup, 7, 50),
        page(HOME, 2, backup, 8, 50),
        page(OTHER, 3, backup, 9, 51),
    ])
    .unwrap();
    // The same answer read again (a second history read) is kept once.
    db.write(&[page(HOME, 1, backup, 7, 50)]).unwrap();
    let home = db.staff_pages(Some(HOME), 0).unwrap();
    assert_eq!(home.len(), 2);
    assert_eq!(home[0], {
        let Record::StaffPage(first) = page(HOME, 1, backup, 7, 50) else {
            unreachable!()
        };
        first
    });
    assert_eq!(db.staff_pages(Some(HOME), 15).unwrap().len(), 1, "since");
    assert_eq!(db.staff_pages(Some(OTHER), 0).unwrap().len(), 1);
    assert!(db.staff_pages(None, 0).unwrap().is_empty());
    // The asker and the staff member who answered may each be forgotten.
    assert_eq!(db.forget(UserId(7)).unwrap().staff_pages, 1);
    assert_eq!(db.forget(UserId(51)).unwrap().staff_pages, 1);
    assert!(db.staff_pages(Some(OTHER), 0).unwrap().is_empty());
    db.prune(30, 30).unwrap();
    assert!(db.staff_pages(Some(HOME), 0).unwrap().is_empty(), "pruned");
}

pub(crate) fn a_digest_week_is_taken_once_across_handles(open: Open) {
    let (a, b) = (open(), open());
    assert!(a.claim_digest(HOME, 100).unwrap());
    assert!(!b.claim_digest(HOME, 100).unwrap(), "the same week again");
    assert!(!a.claim_digest(HOME, 99).unwrap(), "an earlier week");
    assert!(b.claim_digest(OTHER, 100).unwrap(), "another server's own");
    assert!(b.claim_digest(HOME, 101).unwrap(), "the next week");
}
