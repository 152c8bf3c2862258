//! What serving many servers costs: 1,000 servers sharing the shipped FAQ, 100 of them with 50
//! learned examples each, against one server alone: memory, the time to decide on a message, a
//! server's matcher rebuilt after a link, and other members' decisions while one server is
//! flooded with "Not it" clicks.
//!
//! `cargo run --release --example servers` (words alone; the model is left out so that the
//! figures are the index's own).

#[path = "support/memory.rs"]
#[allow(dead_code)] // status_mb is for the examples that watch another process
mod memory;

use std::sync::Arc;
use std::time::{Duration, Instant};

use faqbot::config::{Config, ServerConfig, SuggestConfig};
use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};
use faqbot::policy::{Channel, Member, Message, Place};
use faqbot::service::{Incoming, Link, Servers, Service, Shared, Veto};
use faqbot::store::Example;
use faqbot::store::Store;

const SERVERS: u64 = 1_000;
const TAUGHT: u64 = 100;
const EXAMPLES: u64 = 50;
const QUESTION: &str = "I keep getting a 500 error when I open the dashboard";

fn rss_mb() -> f64 {
    memory::status_kb("self", "VmRSS:") as f64 / 1024.0
}

fn open(dir: &std::path::Path, servers: u64) -> Servers {
    std::fs::create_dir_all(dir).expect("a folder for the store");
    let store = Store::open(&dir.join("faqbot.db"), 0).expect("a store");
    let config = Config {
        faq: concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml").into(),
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into()],
            cooldown_secs: 0,
            ..SuggestConfig::default()
        },
        servers: (1..=servers).map(ServerConfig::new).collect(),
        ..Config::default()
    };
    let memory = Arc::new(store.memory());
    let shared = Shared::new(store, memory, None, 200).expect("shared");
    Servers::open(&config, shared, 0).expect("servers")
}

fn incoming(id: u64, text: &str) -> Incoming<'_> {
    Incoming {
        view: Message {
            id,
            place: Place::Channel(Channel {
                id: 10,
                name: "cipp-issues",
            }),
            from_bot: false,
            member: Some(Member {
                roles: &[],
                manages_messages: false,
            }),
        },
        text,
        channel: ChannelId(10),
        author: UserId(7),
    }
}

/// p50 and p99 of `runs` decisions in `service`, in ms.
fn decisions(service: &Service, first_id: &mut u64, runs: usize) -> (f64, f64) {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            *first_id += 1;
            let start = Instant::now();
            let _ = service.message(&incoming(*first_id, QUESTION), faqbot::time::now_ms());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[runs / 2], times[runs * 99 / 100])
}

/// The parent teaches the store and runs each measure in a process of its own, so that one
/// measure's freed memory is not counted as another's.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("one") => one(std::path::Path::new(&args[2])),
        Some("many") => many(std::path::Path::new(&args[2])),
        _ => parent(),
    }
}

fn parent() {
    let dir = std::env::temp_dir().join(format!("faqbot-servers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    // 100 servers taught 50 examples each, straight into the store.
    let store = faqbot::store::open(&dir.join("faqbot.db")).expect("a store");
    for server in 1..=TAUGHT {
        let examples: Vec<Example> = (0..EXAMPLES)
            .map(|n| Example {
                guild: Some(GuildId(server)),
                entry: "cost".into(),
                text: format!("server {server} asks about widget number {n} flickering"),
                positive: true,
                at_ms: n,
                channel: Some(ChannelId(10)),
                message: Some(MessageId(server * 1_000 + n)),
                author: Some(UserId(7)),
                reply: Some(MessageId(10_000_000 + server * 1_000 + n)),
                by: Some(UserId(9)),
                from_history: false,
            })
            .collect();
        store.add_examples(&examples, 200).expect("examples stored");
    }
    drop(store);
    let me = std::env::current_exe().expect("this program");
    for measure in ["one", "many"] {
        let status = std::process::Command::new(&me)
            .args([measure, dir.to_str().expect("a UTF-8 temp dir")])
            .status()
            .expect("a measure runs");
        assert!(status.success(), "the {measure} measure failed");
    }
}

/// Warmed up, then the p50 of many decisions: through the whole service (the store's claims
/// included), and the matcher's alone.
fn p50(service: &Service, id: &mut u64) -> (f64, f64) {
    decisions(service, id, 1_000);
    let whole = decisions(service, id, 5_000).0;
    let loaded = service.current();
    let mut times: Vec<f64> = (0..5_000)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(loaded.matcher.decide(QUESTION, 2));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (whole, times[times.len() / 2])
}

fn one(dir: &std::path::Path) {
    let before = rss_mb();
    let one = open(&dir.join("one"), 1);
    let alone = one.get(GuildId(1)).unwrap().unwrap();
    let (whole, matcher) = p50(&alone, &mut 1_000_000);
    println!(
        "one server: RSS +{:.1} MB, decision p50 {whole:.4} ms (the matcher's {matcher:.4} ms)",
        rss_mb() - before
    );
}

fn many(dir: &std::path::Path) {
    let mut id = 1_000_000;
    let before = rss_mb();
    let started = Instant::now();
    let many = open(dir, SERVERS);
    let opened = started.elapsed();
    let plain = many.get(GuildId(500)).unwrap().unwrap();
    let taught = many.get(GuildId(50)).unwrap().unwrap();
    let (plain_p50, taught_p50) = (p50(&plain, &mut id), p50(&taught, &mut id));
    let many_rss = rss_mb() - before;

    // A link in a taught server: how long until its matcher is ready again.
    let mut rebuilds: Vec<f64> = (0..50)
        .map(|n| {
            let text = format!("a new way to ask about the gizmotron {n}");
            let link = Link {
                entry: "cost",
                channel: ChannelId(10),
                message: MessageId(90_000_000 + n),
                author: UserId(7),
                text: &text,
                reply: MessageId(91_000_000 + n),
                moderator: UserId(9),
            };
            let start = Instant::now();
            taught.linked(&link, 2).unwrap();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    rebuilds.sort_by(f64::total_cmp);
    // The rebuild alone, without the store's write of the link.
    let mut relearns: Vec<f64> = (0..50)
        .map(|_| {
            let start = Instant::now();
            taught.relearn().unwrap();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    relearns.sort_by(f64::total_cmp);

    // 500 "Not it" clicks over 10 s in one server, while members of another keep asking.
    let flooded = many.get(GuildId(60)).unwrap().unwrap();
    let flood = std::thread::spawn(move || {
        for n in 0..500u64 {
            let text = format!("not this one, number {n}");
            let not_it = Veto {
                entry: "500-error",
                text: &text,
                channel: ChannelId(10),
                message: MessageId(80_000_000 + n),
                author: UserId(7),
                reply: MessageId(81_000_000 + n),
                by: UserId(7),
            };
            flooded.not_it(&not_it, 3).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut during = Vec::new();
    while !flood.is_finished() {
        id += 1;
        let start = Instant::now();
        let _ = plain.message(&incoming(id, QUESTION), faqbot::time::now_ms());
        during.push(start.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(Duration::from_millis(5));
    }
    flood.join().unwrap();
    during.sort_by(f64::total_cmp);
    let p99 = during[during.len() * 99 / 100];

    println!(
        "{SERVERS} servers ({TAUGHT} with {EXAMPLES} examples each): opened in {:.2} s, RSS +{many_rss:.1} MB",
        opened.as_secs_f64(),
    );
    println!(
        "decision p50: a server that learned nothing {:.4} ms (the matcher's {:.4} ms), a taught one {:.4} ms ({:.4} ms)",
        plain_p50.0, plain_p50.1, taught_p50.0, taught_p50.1
    );
    let at = |sorted: &[f64], share: f64| {
        sorted[((sorted.len() as f64 * share) as usize).min(sorted.len() - 1)]
    };
    println!(
        "a link in a taught server, stored and its matcher ready again: p50 {:.1} ms, p99 {:.1} ms; the rebuild alone p50 {:.1} ms, p99 {:.1} ms",
        at(&rebuilds, 0.5),
        at(&rebuilds, 0.99),
        at(&relearns, 0.5),
        at(&relearns, 0.99)
    );
    println!(
        "500 \"Not it\" clicks over {:.0} s in one server: another server's decisions p99 {p99:.2} ms ({} decisions)",
        10.0,
        during.len()
    );
}
