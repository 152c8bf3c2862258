//! `faqbot learn history` against a seeded server: 10,000 messages over 2 channels and 40 threads
//! (some archived), with staff replies that link entries' docs among chatter, replies by members,
//! replies to bots, to deleted or too short messages, to pairs a moderator vetoed, and links in
//! the docs' old location. Exactly the expected examples are learned, each skipped reply is
//! counted by its reason, a second run reads only what is new and adds nothing twice, and no
//! request goes over the emulator's limits.

use std::process::Output;
use std::time::Duration;

use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};
use faqbot::store::sqlite::Sqlite;
use faqbot::store::{Backend, Example};
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GENERAL, GUILD, MOD, NEWBIE, OTHER_BOT};
use faqbot_emulator::{Emulator, Event, Options};

use super::binary::faqbot;
use super::temp_dir;

const FAQ: &str = r#"
[[entry]]
id = "500-error"
question = "I'm getting a 500 error"
answer = "Restart the function app."
link = "https://docs.cipp.app/troubleshooting/500"

[[entry]]
id = "cost"
question = "What does CIPP cost?"
answer = "Hosting costs a few dollars."
link = "https://docs.cipp.app/setup/cost"

[[entry]]
id = "gdap"
question = "How do I set up GDAP?"
answer = "Run the wizard."
link = "https://docs.cipp.app/setup/gdap"
old_links = ["https://cipp.app/docs/user-documentation/gdap/"]
"#;

const LINKS: [&str; 3] = [
    "https://docs.cipp.app/troubleshooting/500",
    "https://docs.cipp.app/setup/cost/",
    "https://docs.cipp.app/setup/gdap#wizard",
];
/// A docs page no entry links.
const BACKUP: &str = "https://docs.cipp.app/setup/backup";
const OLD_GDAP: &str = "https://cipp.app/docs/user-documentation/gdap";

/// The seeded past, and what learning from it must give.
struct Seeded {
    /// The messages that must become examples: (message, entry).
    learned: Vec<(u64, &'static str)>,
    /// Pairs a moderator vetoed before the run.
    vetoed: Vec<(u64, &'static str)>,
    messages: usize,
    /// Staff messages with links to no entry.
    other_links: usize,
    /// The questions the staff answered with a docs page no entry links.
    pages: Vec<u64>,
}

/// A question nobody asked before: long enough to learn, distinct by `n`.
fn question(n: usize) -> String {
    format!("question {n}: my tenant shows an error after the update, what should I do")
}

fn seed(emulator: &Emulator) -> Seeded {
    let day = Duration::from_secs(86_400);
    let mut threads = Vec::new();
    for n in 0..40u64 {
        let parent = if n % 2 == 0 { CIPP_ISSUES } else { GENERAL };
        threads.push(emulator.past_thread(
            day * 30 - day / 40 * n as u32,
            parent,
            &format!("t{n}"),
        ));
    }
    for thread in threads.iter().take(10) {
        emulator.archive(*thread);
    }
    let places: Vec<u64> = [CIPP_ISSUES, GENERAL]
        .into_iter()
        .chain(threads.clone())
        .collect();
    let mut seeded = Seeded {
        learned: Vec::new(),
        vetoed: Vec::new(),
        messages: 0,
        other_links: 0,
        pages: Vec::new(),
    };
    // Oldest first: each conversation a little later than the one before.
    let mut ago = day * 29;
    let step = Duration::from_secs(200);
    let mut n = 0;
    let mut say = |seeded: &mut Seeded, author: u64, place: u64, text: &str, reply: Option<u64>| {
        ago -= step;
        seeded.messages += 1;
        emulator.past(ago, author, place, text, reply)
    };
    let entries = ["500-error", "cost", "gdap"];
    // Staff replies that teach: 200 in the channels and threads.
    for k in 0..200 {
        let place = places[k % places.len()];
        let asker = [ALICE, BOB, NEWBIE][k % 3];
        let asked = say(&mut seeded, asker, place, &question(n), None);
        n += 1;
        let entry = k % 3;
        let text = format!("see {} for this", LINKS[entry]);
        say(&mut seeded, MOD, place, &text, Some(asked));
        seeded.learned.push((asked, entries[entry]));
    }
    // A link to the docs' old location of the GDAP page.
    for &place in places.iter().take(20) {
        let asked = say(&mut seeded, ALICE, place, &question(n), None);
        n += 1;
        say(
            &mut seeded,
            MOD,
            place,
            &format!("<{OLD_GDAP}>"),
            Some(asked),
        );
        seeded.learned.push((asked, "gdap"));
    }
    // Staff answers with a docs page no entry links (14), and a member linking it (no answer).
    for &place in places.iter().take(14) {
        let asked = say(&mut seeded, BOB, place, &question(n), None);
        n += 1;
        say(
            &mut seeded,
            MOD,
            place,
            &format!("it's on {BACKUP}."),
            Some(asked),
        );
        seeded.pages.push(asked);
        let asked = say(&mut seeded, BOB, place, &question(n), None);
        n += 1;
        say(&mut seeded, ALICE, place, BACKUP, Some(asked));
    }
    // In a thread opened by a member's question, a staff message with the link replies to nothing.
    for (k, thread) in threads.iter().enumerate().skip(20) {
        emulator.past(
            day * 31 - Duration::from_secs(k as u64),
            BOB,
            *thread,
            &question(n),
            None,
        );
        seeded.messages += 1;
        n += 1;
    }
    // Vetoed pairs, deleted questions, too short ones, bots' messages: 20, 20, 20, 10.
    for k in 0..20 {
        let asked = say(&mut seeded, BOB, CIPP_ISSUES, &question(n), None);
        n += 1;
        say(&mut seeded, MOD, CIPP_ISSUES, LINKS[1], Some(asked));
        seeded.vetoed.push((asked, "cost"));
        let gone = say(&mut seeded, ALICE, GENERAL, &question(n), None);
        n += 1;
        say(&mut seeded, MOD, GENERAL, LINKS[0], Some(gone));
        emulator.forget_message(gone);
        seeded.messages -= 1;
        let short = say(&mut seeded, NEWBIE, GENERAL, "help pls", None);
        say(&mut seeded, MOD, GENERAL, LINKS[0], Some(short));
        if k % 2 == 0 {
            let bot = say(&mut seeded, OTHER_BOT, CIPP_ISSUES, &question(n), None);
            say(&mut seeded, MOD, CIPP_ISSUES, LINKS[0], Some(bot));
        }
    }
    // Members linking the docs (not staff): 30.
    for _ in 0..30 {
        let asked = say(&mut seeded, BOB, GENERAL, &question(n), None);
        n += 1;
        say(&mut seeded, ALICE, GENERAL, LINKS[2], Some(asked));
    }
    // Chatter up to 10,000 messages, with links elsewhere now and then.
    let mut k = 0;
    while seeded.messages < 10_000 - 20 {
        let text = if k % 50 == 0 {
            "look at https://github.com/KelvinTegelaar/CIPP/issues/1".to_owned()
        } else {
            format!("chatter {k} about the weather today")
        };
        let author = if k % 7 == 0 { MOD } else { ALICE };
        seeded.other_links += usize::from(author == MOD && k % 50 == 0);
        say(&mut seeded, author, places[k % places.len()], &text, None);
        k += 1;
    }
    // The staff messages of the threads opened by a member, the newest of all.
    for thread in threads.iter().skip(20) {
        say(
            &mut seeded,
            MOD,
            *thread,
            &format!("this should help: {}", LINKS[0]),
            None,
        );
    }
    seeded
}

/// The thread openers that must be learned: the first message of each of the last 20 threads.
fn openers(emulator: &Emulator, seeded: &mut Seeded) {
    for n in 20..40 {
        let name = format!("t{n}");
        let first = emulator
            .first_message_in(&name)
            .expect("a thread opened by a question");
        seeded.learned.push((first, "500-error"));
    }
}

/// A folder with the FAQ and a config that watches `#cipp-issues` and `#general` of `emulator`.
fn bot_dir(emulator: &Emulator) -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(dir.join("faq.toml"), FAQ).unwrap();
    std::fs::write(
        dir.join("faqbot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD}\"\n[suggest]\nchannels = [\"cipp-issues\", \"general\"]\n[moderators]\nroles = [\"Moderator\"]\n",
            emulator.origin()
        ),
    )
    .unwrap();
    dir
}

fn learn(emulator: &Emulator, dir: &std::path::Path, extra: &[&str]) -> Output {
    faqbot()
        .args(["learn", "history", "--config"])
        .arg(dir.join("faqbot.toml"))
        .args(extra)
        .env("DISCORD_TOKEN", emulator.token())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learns_exactly_the_staff_link_replies_of_the_past_once() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let mut seeded = seed(&emulator);
    openers(&emulator, &mut seeded);
    let dir = bot_dir(&emulator);
    let db = Sqlite::open(&dir.join("faqbot.db")).unwrap();
    for (message, entry) in &seeded.vetoed {
        let veto = Example {
            guild: Some(GuildId(GUILD)),
            entry: (*entry).to_owned(),
            text: "vetoed".into(),
            positive: false,
            at_ms: 1,
            channel: Some(ChannelId(CIPP_ISSUES)),
            message: Some(MessageId(*message)),
            author: Some(UserId(BOB)),
            reply: None,
            by: Some(UserId(MOD)),
            from_history: false,
        };
        db.add_example(&veto, 200).unwrap();
    }

    let dry = learn(&emulator, &dir, &["--dry-run"]);
    let said = text(&dry);
    assert!(dry.status.success(), "{said}");
    assert!(said.contains("would learn: 240 learned"), "{said}");
    assert!(said.contains(&format!("  {BACKUP} (14 answers)")), "{said}");
    assert!(said.contains("gdap:\n  question"), "{said}");
    assert!(
        db.examples(Some(GuildId(GUILD)))
            .unwrap()
            .iter()
            .all(|e| !e.positive),
        "a dry run learns nothing"
    );

    let first = learn(&emulator, &dir, &[]);
    let said = text(&first);
    assert!(first.status.success(), "{said}");
    eprintln!("{said}");
    let counts = format!(
        "240 learned; 14 kept as docs pages no entry links; skipped: 0 already known, 20 vetoed, 10 answering a bot, 20 too short, 30 not by staff, 0 not answering a member's question, 20 answering a deleted message, {} linking no entry",
        seeded.other_links
    );
    assert!(said.contains(&counts), "{said}");
    assert!(
        said.contains(&format!(
            "read {} messages in 42 channels and threads",
            seeded.messages
        )),
        "{said}"
    );
    let mut learned: Vec<(u64, String)> = db
        .examples(Some(GuildId(GUILD)))
        .unwrap()
        .into_iter()
        .filter(|e| e.positive)
        .map(|e| {
            assert!(e.from_history && e.by == Some(UserId(MOD)));
            (e.message.unwrap().get(), e.entry)
        })
        .collect();
    learned.sort();
    let mut expected: Vec<(u64, String)> = seeded
        .learned
        .iter()
        .map(|(m, e)| (*m, (*e).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(learned, expected);
    let mut pages: Vec<u64> = db
        .staff_pages(Some(GuildId(GUILD)), 0)
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!((p.page.as_str(), p.by), (BACKUP, UserId(MOD)));
            p.question.message.get()
        })
        .collect();
    pages.sort_unstable();
    seeded.pages.sort_unstable();
    assert_eq!(pages, seeded.pages);

    // New messages since: only they are read, and nothing is learned twice.
    let asked = emulator.past(Duration::ZERO, ALICE, CIPP_ISSUES, &question(9_999), None);
    emulator.past(Duration::ZERO, MOD, CIPP_ISSUES, LINKS[1], Some(asked));
    let second = learn(&emulator, &dir, &[]);
    let said = text(&second);
    assert!(second.status.success(), "{said}");
    assert!(said.contains("read 2 messages in 42 channels"), "{said}");
    assert!(
        said.contains("1 learned; 0 kept as docs pages no entry links; skipped: 0 already known"),
        "{said}"
    );
    let limited = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::RateLimited { .. } | Event::Rejected { .. }))
        .count();
    assert_eq!(limited, 0, "no request over the emulator's limits");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A channel the bot may not read is one line, and the others are still learned from; a history
/// without links learns nothing; what was learned before stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_channel_is_one_line_and_the_rest_is_learned() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let hour = Duration::from_secs(3_600);
    let asked = emulator.past(hour * 2, ALICE, CIPP_ISSUES, &question(1), None);
    emulator.past(hour, MOD, CIPP_ISSUES, LINKS[0], Some(asked));
    let hidden = emulator.past(hour * 2, BOB, GENERAL, &question(2), None);
    emulator.past(hour, MOD, GENERAL, LINKS[1], Some(hidden));
    emulator.forbid(GENERAL);
    let dir = bot_dir(&emulator);
    let db = Sqlite::open(&dir.join("faqbot.db")).unwrap();
    let linked = Example {
        guild: Some(GuildId(GUILD)),
        entry: "cost".into(),
        text: "what will hosting cost me per month".into(),
        positive: true,
        at_ms: 1,
        channel: Some(ChannelId(CIPP_ISSUES)),
        message: Some(MessageId(7)),
        author: Some(UserId(BOB)),
        reply: Some(MessageId(8)),
        by: Some(UserId(MOD)),
        from_history: false,
    };
    db.add_example(&linked, 200).unwrap();

    let output = learn(&emulator, &dir, &[]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    let refused: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with(&format!("could not read channel {GENERAL}")))
        .collect();
    assert_eq!(refused.len(), 1, "{said}");
    assert!(refused[0].contains("Read Message History"), "{said}");
    assert!(said.contains("1 learned;"), "{said}");
    assert_eq!(
        db.examples(Some(GuildId(GUILD))).unwrap().len(),
        2,
        "the earlier example stays"
    );

    // Nothing new, no links: nothing learned, nothing lost.
    let output = learn(&emulator, &dir, &["--channel", "cipp-issues"]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("0 learned;"), "{said}");
    assert_eq!(db.examples(Some(GuildId(GUILD))).unwrap().len(), 2);

    // A channel that does not exist, or no guild: one line, exit 1.
    let output = learn(&emulator, &dir, &["--channel", "no-such-channel"]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(said.contains("no channel \"no-such-channel\""), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads refused with a 429 wait as long as the 429 says before trying again, not the shorter
/// waits of an outage (a rate-limiting proxy's 1.5 s here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_read_is_waited_out_as_it_says() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let asked = emulator.past(
        Duration::from_secs(3_600),
        ALICE,
        CIPP_ISSUES,
        &question(1),
        None,
    );
    emulator.past(
        Duration::from_secs(1_800),
        MOD,
        CIPP_ISSUES,
        LINKS[0],
        Some(asked),
    );
    let dir = bot_dir(&emulator);
    emulator.refuse_reads(3, Duration::from_millis(1_500));
    let output = learn(&emulator, &dir, &[]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("1 learned;"), "{said}");
    let events = emulator.events();
    let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    assert_eq!(count(|e| matches!(e, Event::RateLimited { .. })), 3);
    assert_eq!(
        count(|e| matches!(e, Event::DisregardedLimit { .. })),
        0,
        "no read before its 429's wait was over"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
