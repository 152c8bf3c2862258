//! A burst of 1,000 messages against the bot, with the emulator enforcing Discord's limit of 5
//! messages per 5 s in a channel; then the reply latency of single questions on the idle bot.
//!
//! `cargo run --release --example burst` prints: suggestions decided and posted (none may be lost
//! or posted twice), requests the emulator refused with 429 and those sent into a window a
//! response had announced full, how long the burst took to answer,
//! the median and 90th percentile latency of a single question, and the process's peak memory
//! (bot and emulator together). With the release binary built (`cargo build --release`), it then
//! runs the same burst against `faqbot run` in its own process and prints that process's memory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use faqbot::config::{
    Config, DiscordConfig, MatcherConfig, ModeratorConfig, StoreConfig, SuggestConfig, ThreadMode,
    Token,
};
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GENERAL, GUILD, NEWBIE};
use faqbot_emulator::{Emulator, Event, Options};

/// Questions some entry answers with confidence, and chatter no entry does.
const QUESTIONS: [&str; 4] = [
    "I keep getting a 500 error when I open the dashboard",
    "how much does it cost to run cipp every month",
    "Request failed with status code 400 on every page",
    "my function app is down and CIPP returns 500",
];
const CHATTER: [&str; 3] = [
    "good morning all",
    "thanks, that fixed it!",
    "anyone around today?",
];

#[path = "support/memory.rs"]
mod memory;

/// This process's peak memory, in kB.
fn peak_rss_kb() -> u64 {
    memory::status_kb("self", "VmHWM:")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    let emulator = Emulator::start(Options::default())
        .await
        .map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("faqbot-burst-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let config = Config {
        faq: concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml").into(),
        discord: DiscordConfig {
            api_base: Some(emulator.origin()),
            guild_id: Some(GUILD),
            token_file: None,
            ..DiscordConfig::default()
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into(), "general".into()],
            threads: ThreadMode::All,
            ..SuggestConfig::default()
        },
        moderators: ModeratorConfig {
            roles: vec!["Moderator".into()],
        },
        store: StoreConfig {
            path: dir.join("faqbot.db"),
            ..StoreConfig::default()
        },
        // `model/` when `faqbot model fetch` filled it: the burst then runs the second opinion.
        matcher: MatcherConfig::default(),
        gaps: Default::default(),
        servers: Vec::new(),
    };
    let mut watcher = emulator.watch_from_start();
    let token = Token::new(emulator.token()).ok_or("no token")?;
    let (bot, mut verdicts) = faqbot::discord::start_observed(config, token);
    watcher
        .find(Duration::from_secs(20), |e| {
            matches!(e, Event::Commands { .. })
        })
        .await
        .ok_or("the bot did not connect")?;

    let started = Instant::now();
    let sent = burst(&emulator, &[ALICE, BOB, NEWBIE], 3);
    // Every message decided, then every suggestion posted.
    let mut suggested = 0;
    for _ in 0..sent.len() {
        let verdict = tokio::time::timeout(Duration::from_secs(60), verdicts.recv())
            .await
            .map_err(|_| "a decision never came")?
            .ok_or("the bot stopped")?;
        suggested += usize::from(verdict.outcome.is_ok());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut replies: HashMap<u64, usize> = HashMap::new();
    while replies.values().sum::<usize>() < suggested && Instant::now() < deadline {
        if let Some(post) = watcher.post(Duration::from_secs(35)).await {
            if let Some(to) = post.reply_to {
                *replies.entry(to).or_default() += 1;
            }
        } else {
            break;
        }
    }
    let answered_in = started.elapsed();
    let posted: usize = replies.values().sum();
    let twice = replies.values().filter(|&&n| n > 1).count();
    let events = emulator.events();
    let limited = events
        .iter()
        .filter(|e| matches!(e, Event::RateLimited { .. }))
        .count();
    let disregarded = events
        .iter()
        .filter(|e| matches!(e, Event::DisregardedLimit { .. }))
        .count();

    // Single questions on the idle bot, each in a new thread (no cooldown in the way).
    let mut latencies = Vec::new();
    for n in 0..21 {
        let thread = emulator.thread(CIPP_ISSUES, &format!("idle {n}"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let asked = Instant::now();
        emulator.say(ALICE, thread, QUESTIONS[0]);
        watcher
            .post(Duration::from_secs(5))
            .await
            .ok_or("no answer on the idle bot")?;
        latencies.push(asked.elapsed());
    }
    latencies.sort();
    bot.stop().await.map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);

    println!("messages sent                {}", sent.len());
    println!("suggestions decided          {suggested}");
    println!(
        "suggestions posted           {posted} (lost {})",
        suggested - posted.min(suggested)
    );
    println!("posted twice                 {twice}");
    println!("requests refused with 429    {limited}");
    println!("sent into a window announced full {disregarded}");
    println!(
        "burst answered in            {:.1} s",
        answered_in.as_secs_f64()
    );
    println!(
        "single question, idle bot    p50 {:.1} ms, p90 {:.1} ms",
        latencies[latencies.len() / 2].as_secs_f64() * 1000.0,
        latencies[latencies.len() * 9 / 10].as_secs_f64() * 1000.0
    );
    println!("peak memory (bot + emulator) {} MB", peak_rss_kb() / 1024);
    binary_memory(Shape::Burst).await?;
    binary_memory(Shape::Paced).await
}

/// How the messages reach `faqbot run`.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// The 1,000 of [`burst`] at once.
    Burst,
    /// 1,000 questions, 8 a second for two minutes, most in the two channels (a tenth in a
    /// thread of each): far more than the channels' limits let the bot answer (about 2 a
    /// second), so a backlog waits until each question is answered or too old.
    Paced,
}

/// Says 1,000 questions, 8 a second, nine in ten in `#cipp-issues` and `#general` in turn, the
/// rest in a thread of each.
async fn paced(emulator: &Emulator) {
    let threads = [
        emulator.thread(CIPP_ISSUES, "paced"),
        emulator.thread(GENERAL, "paced"),
    ];
    let mut tick = tokio::time::interval(Duration::from_millis(125));
    for n in 0..1_000usize {
        tick.tick().await;
        let place = match n % 10 {
            9 => threads[n / 10 % 2],
            _ if n % 2 == 0 => CIPP_ISSUES,
            _ => GENERAL,
        };
        emulator.say(ALICE, place, QUESTIONS[n % QUESTIONS.len()]);
    }
}

/// Says 1,000 messages, one in `question_every` a question, by `people` in turn, across two
/// channels and four threads of each (with the default cooldown each place gets each entry
/// once): their ids.
fn burst(emulator: &Emulator, people: &[u64], question_every: usize) -> Vec<u64> {
    let mut places = vec![CIPP_ISSUES, GENERAL];
    for parent in [CIPP_ISSUES, GENERAL] {
        for n in 0..4 {
            places.push(emulator.thread(parent, &format!("thread {n}")));
        }
    }
    (0..1_000usize)
        .map(|n| {
            let text = if n % question_every == 0 {
                QUESTIONS[n / question_every % QUESTIONS.len()]
            } else {
                CHATTER[n % CHATTER.len()]
            };
            emulator.say(people[n % people.len()], places[n % places.len()], text)
        })
        .collect()
}

/// Messages in `shape` against `faqbot run` in a process of its own, without cooldown (every
/// question answered, or given up once older than `max_delay_secs`: the most work): its resident
/// and peak memory.
async fn binary_memory(shape: Shape) -> Result<(), String> {
    let binary = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/faqbot");
    if !std::path::Path::new(binary).exists() {
        println!("(build the release binary to measure faqbot run's own memory)");
        return Ok(());
    }
    let emulator = Emulator::start(Options::default())
        .await
        .map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("faqbot-burst-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let config = dir.join("faqbot.toml");
    let text = format!(
        "faq = \"{}\"\n[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD}\"\n[suggest]\nchannels = [\"cipp-issues\", \"general\"]\nthreads = \"all\"\ncooldown_secs = 0\n[moderators]\nroles = [\"Moderator\"]\n[matcher.model]\ndir = \"{}\"\n",
        concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml"),
        emulator.origin(),
        // The model's second opinion when `faqbot model fetch` filled `model/`.
        concat!(env!("CARGO_MANIFEST_DIR"), "/model"),
    );
    std::fs::write(&config, text).map_err(|e| e.to_string())?;
    let mut watcher = emulator.watch_from_start();
    let mut child = std::process::Command::new(binary)
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", emulator.token())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    watcher
        .find(Duration::from_secs(20), |e| {
            matches!(e, Event::Commands { .. })
        })
        .await
        .ok_or("faqbot run did not connect")?;
    let before = (
        memory::status_mb(child.id(), "VmRSS:"),
        memory::status_mb(child.id(), "RssAnon:"),
        memory::status_mb(child.id(), "RssFile:"),
    );
    let started = Instant::now();
    match shape {
        Shape::Burst => drop(burst(&emulator, &[ALICE], 3)),
        Shape::Paced => paced(&emulator).await,
    }
    // Until the bot has been quiet for longer than a channel's rate-limit window (5 s): every
    // answer is posted or given up by then.
    while watcher.post(Duration::from_secs(8)).await.is_some() {}
    let quiet = started.elapsed().saturating_sub(Duration::from_secs(8));
    let posted = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Posted(post) if post.reply_to.is_some()))
        .count();
    let field = |name: &str| memory::status_mb(child.id(), name);
    println!(
        "faqbot run, {shape:?}: {posted} answers posted over {:.0} s",
        quiet.as_secs_f64()
    );
    println!(
        "faqbot run before the burst  {} MB resident ({} MB heap and other anonymous, {} MB of files)",
        before.0, before.1, before.2
    );
    println!(
        "faqbot run after the burst   {} MB resident ({} MB heap and other anonymous, {} MB of files), {} MB at peak",
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:")
    );
    if std::env::var_os("FAQBOT_SMAPS").is_some() {
        for (kb, what) in memory::largest_mappings(child.id(), 12) {
            println!("  {kb:>8} kB  {what}");
        }
    }
    // Stopped as an operator would: it drains and exits.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
