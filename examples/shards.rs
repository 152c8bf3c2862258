//! One process against two: the same burst (5 questions in each of 60 servers' `#cipp-issues`,
//! 300 in all) answered by `faqbot run` with both shards of 2 in one process, then by two
//! processes with one shard each, on one PostgreSQL; and one process on SQLite for reference.
//!
//! `cargo build --release && cargo run --release --example shards` prints, for each: how long the
//! burst took to be answered, answers per second, answers lost or posted twice, and each
//! process's memory (resident now and its peak). Needs PostgreSQL installed (a server of the
//! example's own is started, as in the tests).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faqbot_emulator::world::{ALICE, CIPP_ISSUES, GUILD};
use faqbot_emulator::{Emulator, Event, Options};
use faqbot_testdb::LocalServer;

const SERVERS: usize = 60;
const PER_SERVER: usize = 5;
const BINARY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/faqbot");

#[path = "support/memory.rs"]
mod memory;

fn start(emulator: &Emulator, dir: &std::path::Path, shards: Option<&str>, store: &str) -> Child {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("faq.toml"),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")),
    )
    .unwrap();
    let shards = shards.map_or(String::new(), |s| format!("shards = \"{s}\"\n"));
    std::fs::write(
        dir.join("faqbot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD}\"\n{shards}[suggest]\nchannels = [\"cipp-issues\"]\ncooldown_secs = 0\n[store]\nurl = \"{store}\"\n",
            emulator.origin()
        ),
    )
    .unwrap();
    Command::new(BINARY)
        .args(["run", "--config"])
        .arg(dir.join("faqbot.toml"))
        .env("DISCORD_TOKEN", emulator.token())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `shards` sessions have identified, and a moment for their servers to be known.
async fn connected(emulator: &Emulator, shards: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Identified { .. }))
        .count()
        < shards
    {
        assert!(Instant::now() < deadline, "the bot did not connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// Runs the burst against processes already connected; prints what came of it.
async fn burst(name: &str, emulator: &Emulator, channels: &[u64], processes: &[&Child]) {
    let started = Instant::now();
    let mut asked = Vec::new();
    for round in 0..PER_SERVER {
        for (n, channel) in channels.iter().enumerate() {
            let text = format!("{round}-{n}: I keep getting a 500 error when I open the dashboard");
            asked.push(emulator.say(ALICE, *channel, &text));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut replies: HashMap<u64, usize> = HashMap::new();
    let mut answered_in = Duration::ZERO;
    while Instant::now() < deadline {
        replies.clear();
        for event in emulator.events() {
            if let Event::Posted(post) = event {
                if let Some(question) = post.reply_to {
                    *replies.entry(question).or_default() += 1;
                }
            }
        }
        if asked.iter().all(|q| replies.contains_key(q)) {
            answered_in = started.elapsed();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lost = asked.iter().filter(|q| !replies.contains_key(q)).count();
    let twice = replies.values().filter(|&&n| n > 1).count();
    let memory: Vec<String> = processes
        .iter()
        .map(|p| {
            format!(
                "{} MB (peak {} MB)",
                memory::status_mb(p.id(), "VmRSS:"),
                memory::status_mb(p.id(), "VmHWM:")
            )
        })
        .collect();
    println!(
        "{name:<34} {} answers in {:.2} s = {:>5.1}/s, lost {lost}, twice {twice}; memory {}",
        asked.len(),
        answered_in.as_secs_f64(),
        asked.len() as f64 / answered_in.as_secs_f64().max(1e-9),
        memory.join(", ")
    );
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// A fresh emulator with the servers of the burst, and their `#cipp-issues` channels.
async fn fresh_emulator() -> (Emulator, Vec<u64>) {
    let emulator = Emulator::start(Options {
        identify_every: Some(Duration::from_secs(5)),
        ..Options::default()
    })
    .await
    .unwrap();
    let channels = std::iter::once(CIPP_ISSUES)
        .chain((1..SERVERS).map(|_| emulator.add_guild().1))
        .collect();
    (emulator, channels)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::path::Path::new(BINARY).exists() {
        eprintln!("build the release binary first: cargo build --release");
        std::process::exit(1);
    }
    let server = match LocalServer::start() {
        Ok(server) => server,
        Err(_) => {
            eprintln!("{}", faqbot_testdb::HOW_TO_INSTALL);
            std::process::exit(1);
        }
    };
    let root = std::env::temp_dir().join(format!("faqbot-shards-{}", std::process::id()));

    let (emulator, channels) = fresh_emulator().await;
    let db = root.join("sqlite").join("faqbot.db");
    let one = start(
        &emulator,
        &root.join("sqlite"),
        None,
        &db.display().to_string(),
    );
    connected(&emulator, 1).await;
    burst(
        "one process, SQLite, 1 shard",
        &emulator,
        &channels,
        &[&one],
    )
    .await;
    stop(one);

    let (emulator, channels) = fresh_emulator().await;
    let url = server.database("one");
    let one = start(&emulator, &root.join("one"), Some("0-1/2"), &url);
    connected(&emulator, 2).await;
    burst(
        "one process, PostgreSQL, shards 0-1/2",
        &emulator,
        &channels,
        &[&one],
    )
    .await;
    stop(one);

    let (emulator, channels) = fresh_emulator().await;
    let url = server.database("two");
    let a = start(&emulator, &root.join("a"), Some("0-0/2"), &url);
    let b = start(&emulator, &root.join("b"), Some("1-1/2"), &url);
    connected(&emulator, 2).await;
    burst(
        "two processes, PostgreSQL, 0/2 + 1/2",
        &emulator,
        &channels,
        &[&a, &b],
    )
    .await;
    stop(a);
    stop(b);
    let _ = std::fs::remove_dir_all(&root);
}
