//! Several bot processes: two `faqbot run`, shards `0-0/2` and `1-1/2`, sharing one PostgreSQL
//! (started by the test), against an emulator that routes each server to its shard and refuses
//! IDENTIFYs closer than 5 s. Every question is answered exactly once, what one process is taught
//! reaches the other, a `kill -9` loses nothing, and a database outage posts nothing twice.
//! Skipped, with one line saying why, where PostgreSQL is not installed.

use std::collections::HashMap;
use std::process::Child;
use std::time::{Duration, Instant};

use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GUILD, MOD};
use faqbot_emulator::{Emulator, Event, Options, Shard};
use faqbot_testdb::LocalServer;
use serde_json::json;

use super::binary::{answered, exit, faqbot, replies, signal, stop, tally};
use super::{shipped_faq, temp_dir, WAIT};

/// Servers in the burst: the emulator's own and 19 more, alternating between the two shards.
const SERVERS: usize = 20;

/// An emulator that refuses IDENTIFYs closer than Discord allows.
async fn emulator() -> Emulator {
    Emulator::start(Options {
        identify_every: Some(Duration::from_secs(5)),
        ..Options::default()
    })
    .await
    .unwrap()
}

/// The `cipp-issues` channel of each server: the emulator's own first, then `more` added ones.
fn servers(emulator: &Emulator, more: usize) -> Vec<(u64, u64)> {
    std::iter::once((GUILD, CIPP_ISSUES))
        .chain((0..more).map(|_| emulator.add_guild()))
        .collect()
}

/// A bot folder for shards `shards` on the database `url`.
fn bot_dir(emulator: &Emulator, url: &str, shards: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(dir.join("faq.toml"), shipped_faq()).unwrap();
    std::fs::write(
        dir.join("faqbot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\nshards = \"{shards}\"\n[suggest]\nchannels = [\"cipp-issues\"]\ncooldown_secs = 0\n[store]\nurl = \"{url}\"\n",
            emulator.origin()
        ),
    )
    .unwrap();
    dir
}

fn start(dir: &std::path::Path, emulator: &Emulator) -> Child {
    faqbot()
        .args(["run", "--config"])
        .arg(dir.join("faqbot.toml"))
        .env("DISCORD_TOKEN", emulator.token())
        .spawn()
        .unwrap()
}

/// Waits until shard `shard` has identified `times` times in all, and a little more for its
/// servers to be known to its process.
async fn identified(emulator: &Emulator, shard: u64, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let count = emulator
            .events()
            .iter()
            .filter(|e| matches!(e, Event::Identified { shard: s, .. } if *s == shard))
            .count();
        if count >= times {
            break;
        }
        assert!(Instant::now() < deadline, "shard {shard} did not identify");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
}

/// Two processes, shards 0 and 1 of 2, on one database; started together, as a deploy would.
async fn two_processes(emulator: &Emulator, url: &str) -> (Child, Child, std::path::PathBuf) {
    let (a_dir, b_dir) = (
        bot_dir(emulator, url, "0-0/2"),
        bot_dir(emulator, url, "1-1/2"),
    );
    let (a, b) = (start(&a_dir, emulator), start(&b_dir, emulator));
    identified(emulator, 0, 1).await;
    identified(emulator, 1, 1).await;
    (a, b, a_dir)
}

/// Waits until every question has a reply (or `limit` passes), then a moment more for any
/// second reply; the replies then.
async fn all_answered(
    emulator: &Emulator,
    questions: &[u64],
    limit: Duration,
) -> HashMap<u64, usize> {
    answered(emulator, questions, limit).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    replies(emulator)
}

/// Asks `per_server` questions in each server's channel: each a 500 error, worded apart.
fn burst(emulator: &Emulator, servers: &[(u64, u64)], per_server: usize, tag: &str) -> Vec<u64> {
    let mut asked = Vec::new();
    for round in 0..per_server {
        for (n, (_, channel)) in servers.iter().enumerate() {
            let author = if n % 2 == 0 { ALICE } else { BOB };
            let text =
                format!("{tag} {round}-{n}: I keep getting a 500 error when I open the dashboard");
            asked.push(emulator.say(author, *channel, &text));
        }
    }
    asked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_answer_every_servers_questions_exactly_once() {
    let Some(pg) =
        LocalServer::or_skip("two_processes_answer_every_servers_questions_exactly_once")
    else {
        return;
    };
    let emulator = emulator().await;
    let servers = servers(&emulator, SERVERS - 1);
    let (a, b, _) = two_processes(&emulator, &pg.url()).await;

    let started = Instant::now();
    let asked = burst(&emulator, &servers, 5, "burst");
    let replies = all_answered(&emulator, &asked, Duration::from_secs(60)).await;
    let (unanswered, twice) = tally(&replies, &asked);
    println!(
        "{} questions over {SERVERS} servers and 2 processes: {} answered in {:.1} s, {twice} twice",
        asked.len(),
        asked.len() - unanswered,
        started.elapsed().as_secs_f64() - 2.0
    );
    assert_eq!((unanswered, twice), (0, 0));

    let events = emulator.events();
    let refused = events
        .iter()
        .filter(|e| matches!(e, Event::IdentifyRefused { .. }))
        .count();
    assert_eq!(refused, 0, "the processes took turns to identify");
    let registered = events
        .iter()
        .filter(|e| matches!(e, Event::Commands { .. }))
        .count();
    assert_eq!(
        registered, 1,
        "only the process of shard 0 registers the commands"
    );
    // A moderator can tell which shard serves the server.
    let mut watcher = emulator.watch();
    emulator.slash(
        MOD,
        CIPP_ISSUES,
        "faq-admin",
        json!([{"name": "status", "type": 1, "options": []}]),
    );
    let status = watcher.post(WAIT).await.expect("the status");
    assert!(
        status
            .content()
            .contains("Shard serving this server: 0 of 2"),
        "{}",
        status.content()
    );
    let (a_out, b_out) = (stop(a).await, stop(b).await);
    assert!(
        b_out.contains("registered by the process that runs shard 0"),
        "{b_out}"
    );
    assert!(
        !a_out.contains("ERROR") && !b_out.contains("ERROR"),
        "{a_out}\n{b_out}"
    );
    let shown = pg
        .sql(
            "faqbot",
            "SELECT COUNT(*), COUNT(DISTINCT message) FROM shown WHERE how = 'auto'",
        )
        .unwrap();
    assert_eq!(
        shown,
        format!("{0}|{0}", asked.len()),
        "each answer recorded once"
    );
}

/// Words no FAQ entry has: only what a moderator teaches can match them.
const NOVEL: &str = "the gizmotron widget keeps flickering on my tablet";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_in_one_processs_server_teaches_no_server_of_the_other() {
    let Some(pg) = LocalServer::or_skip("a_link_made_through_one_process_teaches_the_other") else {
        return;
    };
    let emulator = emulator().await;
    let servers = servers(&emulator, 1);
    // The emulator's own server (where moderators act) is on shard 0, the added one on shard 1.
    assert_eq!(Shard::of(Some(servers[0].0), 2), 0);
    assert_eq!(Shard::of(Some(servers[1].0), 2), 1);
    let (a, b, _) = two_processes(&emulator, &pg.url()).await;
    let other_channel = servers[1].1;

    let before = emulator.say(
        BOB,
        other_channel,
        "my gizmotron widget is flickering on the tablet",
    );
    let asked = emulator.say(ALICE, CIPP_ISSUES, NOVEL);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(replies(&emulator).is_empty(), "nothing is taught yet");

    // A moderator links the entry through process A (shard 0).
    let mut watcher = emulator.watch();
    emulator
        .message_command(MOD, "Answer with FAQ", asked)
        .unwrap();
    let picker = watcher.post(WAIT).await.expect("the picker");
    let select = picker
        .custom_id("Pick the entry that answers this message")
        .unwrap();
    emulator.select(MOD, picker.id, &select, &["cost"]).unwrap();
    let linked = watcher
        .find(
            WAIT,
            |e| matches!(e, Event::Posted(p) if p.reply_to == Some(asked)),
        )
        .await;
    assert!(linked.is_some(), "the link was posted");
    let taught_at = Instant::now();

    // Then, every 250 ms, a similar question in process B's server.
    let mut asked_at = Vec::new();
    for n in 0..10 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let text = format!("my gizmotron widget is flickering on the tablet, try {n}");
        asked_at.push((emulator.say(BOB, other_channel, &text), taught_at.elapsed()));
    }
    // Every server its own memory: what server A learned is not B's to use.
    let questions: Vec<u64> = asked_at.iter().map(|(q, _)| *q).collect();
    let replies = all_answered(&emulator, &questions, Duration::from_secs(3)).await;
    let answered = questions.iter().filter(|q| replies.contains_key(q)).count();
    assert_eq!(answered, 0, "a link in one server teaches no other server");
    assert!(!replies.contains_key(&before), "taught after it was asked");
    stop(a).await;
    stop(b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_one_process_loses_nothing_and_posts_nothing_twice() {
    let Some(pg) = LocalServer::or_skip("kill_9_of_one_process_loses_nothing") else {
        return;
    };
    let emulator = emulator().await;
    let servers = servers(&emulator, SERVERS - 1);
    let (a, b, a_dir) = two_processes(&emulator, &pg.url()).await;

    let asked = burst(&emulator, &servers, 5, "before");
    // A is killed as soon as the first answers are out, with most of its burst still to post.
    let deadline = Instant::now() + WAIT;
    while replies(&emulator).len() < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&a, "-KILL");
    let (_, _) = exit(a, Duration::from_secs(5)).await;
    let more = burst(&emulator, &servers, 1, "while A is down");
    let a = start(&a_dir, &emulator);
    identified(&emulator, 0, 2).await;

    let every: Vec<u64> = asked.iter().chain(&more).copied().collect();
    let replies = all_answered(&emulator, &every, Duration::from_secs(60)).await;
    let (unanswered, twice) = tally(&replies, &every);
    println!(
        "kill -9 of A: {} questions, {unanswered} unanswered, {twice} twice",
        every.len()
    );
    assert_eq!((unanswered, twice), (0, 0));
    stop(a).await;
    stop(b).await;
    // Every answer the processes recorded is there once; B, never killed, recorded all of its.
    let shown: Vec<String> = pg
        .sql(
            "faqbot",
            "SELECT COUNT(*) = COUNT(DISTINCT message) FROM shown WHERE how = 'auto'",
        )
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(shown, ["t"]);
    let b_channels: Vec<String> = servers
        .iter()
        .filter(|(guild, _)| Shard::of(Some(*guild), 2) == 1)
        .map(|(_, channel)| channel.to_string())
        .collect();
    let b_questions = every
        .iter()
        .filter(|q| {
            emulator
                .message(**q)
                .is_some_and(|m| b_channels.iter().any(|c| m["channel_id"] == json!(c)))
        })
        .count();
    let b_recorded = pg
        .sql(
            "faqbot",
            &format!(
                "SELECT COUNT(*) FROM shown WHERE how = 'auto' AND channel IN ({})",
                b_channels.join(",")
            ),
        )
        .unwrap();
    assert_eq!(b_recorded, b_questions.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_posts_nothing_twice_and_faq_still_answers() {
    let Some(pg) = LocalServer::or_skip("a_database_outage_posts_nothing_twice") else {
        return;
    };
    let emulator = emulator().await;
    let servers = servers(&emulator, 3);
    let (a, b, _) = two_processes(&emulator, &pg.url()).await;
    let before = burst(&emulator, &servers, 1, "before");
    all_answered(&emulator, &before, Duration::from_secs(20)).await;

    pg.stop();
    let outage = Instant::now();
    let during = burst(&emulator, &servers, 2, "during");
    let mut watcher = emulator.watch();
    emulator.slash(
        ALICE,
        CIPP_ISSUES,
        "faq",
        json!([{"name": "entry", "type": 3, "value": "500-error"}]),
    );
    let faq = watcher
        .post(WAIT)
        .await
        .expect("/faq is answered while the database is down");
    assert!(faq.title().contains("500"), "{}", faq.title());
    let elapsed = outage.elapsed();
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(elapsed)).await;
    pg.restart().unwrap();

    let after = burst(&emulator, &servers, 1, "after");
    let replies = all_answered(&emulator, &after, Duration::from_secs(30)).await;
    let twice = before
        .iter()
        .chain(&during)
        .chain(&after)
        .filter(|q| replies.get(q).is_some_and(|&n| n > 1))
        .count();
    let quiet_during = during.iter().filter(|q| !replies.contains_key(q)).count();
    let answered_after = after.iter().filter(|q| replies.contains_key(q)).count();
    println!(
        "database down 10 s: {quiet_during} of {} questions left quiet, {answered_after} of {} answered after, {twice} twice",
        during.len(),
        after.len()
    );
    assert_eq!(twice, 0);
    assert_eq!(
        quiet_during,
        during.len(),
        "no claim without the shared database"
    );
    assert_eq!(answered_after, after.len(), "answering resumes");
    // The /faq answer recorded while the database was down is written once it returns.
    let deadline = Instant::now() + Duration::from_secs(10);
    let faq_recorded = loop {
        let n = pg
            .sql("faqbot", "SELECT COUNT(*) FROM shown WHERE how = 'faq'")
            .unwrap_or_default();
        if n == "1" || Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(faq_recorded, "1");
    let (a_out, _) = (stop(a).await, stop(b).await);
    assert!(
        a_out.contains("cannot reach the shared database"),
        "{a_out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_registers_the_commands_once_without_running_the_bot() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let dir = temp_dir();
    std::fs::write(
        dir.join("faqbot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD}\"\n",
            emulator.origin()
        ),
    )
    .unwrap();
    let child = faqbot()
        .args(["register", "--config"])
        .arg(dir.join("faqbot.toml"))
        .env("DISCORD_TOKEN", emulator.token())
        .spawn()
        .unwrap();
    let (code, output) = exit(child, Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains(&format!("registered 3 commands in server {GUILD}")),
        "{output}"
    );
    let events = emulator.events();
    let registered: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Commands { guild: Some(g), .. } if *g == GUILD))
        .collect();
    assert_eq!(registered.len(), 1, "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(e, Event::Identified { .. })),
        "no gateway session"
    );
}
