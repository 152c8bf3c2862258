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
use faqbot::service::{Incoming, Link, NotIt, Servers, Service, Shared};
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

fn main() {
    let dir = std::env::temp_dir().join(format!("faqbot-servers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut id = 1_000_000;

    let before = rss_mb();
    let one = open(&dir.join("one"), 1);
    let alone = one.get(GuildId(1)).unwrap().unwrap();
    let (one_p50, _) = decisions(&alone, &mut id, 2_000);
    let one_rss = rss_mb() - before;

    // Teach 100 servers 50 examples each, straight into the store, then open all 1,000.
    let many_dir = dir.join("many");
    {
        let teach = open(&many_dir, SERVERS);
        for server in 1..=TAUGHT {
            let service = teach.get(GuildId(server)).unwrap().unwrap();
            for n in 0..EXAMPLES {
                let text = format!("server {server} asks about widget number {n} flickering");
                let link = Link {
                    entry: "cost",
                    channel: ChannelId(10),
                    message: MessageId(server * 1_000 + n),
                    author: UserId(7),
                    text: &text,
                    reply: MessageId(10_000_000 + server * 1_000 + n),
                    moderator: UserId(9),
                };
                service.linked(&link, 1).unwrap();
            }
        }
    }
    let before = rss_mb();
    let started = Instant::now();
    let many = open(&many_dir, SERVERS);
    let opened = started.elapsed();
    let many_rss = rss_mb() - before;
    let plain = many.get(GuildId(500)).unwrap().unwrap();
    let taught = many.get(GuildId(50)).unwrap().unwrap();
    let (plain_p50, _) = decisions(&plain, &mut id, 2_000);
    let (taught_p50, _) = decisions(&taught, &mut id, 2_000);

    // A link in a taught server: how long until its matcher is ready again.
    let mut rebuilds: Vec<f64> = (0..20)
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

    // 500 "Not it" clicks over 10 s in one server, while members of another keep asking.
    let flooded = many.get(GuildId(60)).unwrap().unwrap();
    let flood = std::thread::spawn(move || {
        for n in 0..500u64 {
            let text = format!("not this one, number {n}");
            let not_it = NotIt {
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

    println!("one server: RSS +{one_rss:.1} MB, decision p50 {one_p50:.3} ms");
    println!(
        "{SERVERS} servers ({TAUGHT} with {EXAMPLES} examples each): opened in {:.2} s, RSS +{many_rss:.1} MB ({:.1} MB above one server)",
        opened.as_secs_f64(),
        many_rss - one_rss
    );
    println!(
        "decision p50: a server that learned nothing {plain_p50:.3} ms, a taught one {taught_p50:.3} ms ({:+.1}% / {:+.1}% against one server)",
        (plain_p50 / one_p50 - 1.0) * 100.0,
        (taught_p50 / one_p50 - 1.0) * 100.0
    );
    println!(
        "a link in a taught server, matcher ready again: p50 {:.1} ms, max {:.1} ms",
        rebuilds[rebuilds.len() / 2],
        rebuilds[rebuilds.len() - 1]
    );
    println!(
        "500 \"Not it\" clicks over {:.0} s in one server: another server's decisions p99 {p99:.2} ms ({} decisions)",
        10.0,
        during.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
