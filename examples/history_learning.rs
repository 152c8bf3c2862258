//! What learning from a channel's history gives on BANKING77: a history built from its training
//! file (for each intent, 10 utterances, each answered by a staff reply with the intent's link)
//! is read by `learn history` through the emulator's REST API into a fresh store; the FAQ without
//! its written examples is measured before and after, on all cases and with a third of the
//! intents held out (their cases must get no suggestion).
//!
//! `cargo run --release --example history_learning`

use std::collections::HashMap;
use std::time::Duration;

use faqbot::config::{Config, DiscordConfig, ModeratorConfig, StoreConfig, SuggestConfig, Token};
use faqbot::discord::history::{learn_with_config, Reading};
use faqbot::eval::{evaluate, hold_out, load_cases, mean, Case, Report};
use faqbot::faq::Faq;
use faqbot::matcher::{Learned, Matcher};
use faqbot::store;
use faqbot_emulator::world::{ALICE, CIPP_ISSUES, GUILD, MOD};
use faqbot_emulator::{Emulator, Options};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/banking77");
/// Utterances of each intent in the history.
const PER_INTENT: usize = 10;
const SEEDS: [u64; 3] = [1, 2, 3];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let written = Faq::load(format!("{FIXTURE}/faq.toml")).map_err(|e| e.to_string())?;
    let cases = load_cases(std::path::Path::new(&format!("{FIXTURE}/cases.toml")))?;
    // The FAQ as first written: questions only, each with its docs link.
    let mut faq = written.clone();
    for entry in &mut faq.entries {
        entry.examples.clear();
        entry.link = Some(format!("https://bank.example/help/{}", entry.id));
    }

    let emulator = Emulator::start(Options::default()).await?;
    let seeded = seed(&emulator, &faq)?;
    let dir = std::env::temp_dir().join(format!("faqbot-history-b77-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        discord: DiscordConfig {
            api_base: Some(emulator.origin()),
            guild_id: Some(GUILD),
            ..DiscordConfig::default()
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into()],
            ..SuggestConfig::default()
        },
        moderators: ModeratorConfig {
            roles: vec!["Moderator".into()],
        },
        store: StoreConfig {
            path: dir.join("faqbot.db"),
            ..StoreConfig::default()
        },
        ..Config::default()
    };
    let token = Token::new(emulator.token()).ok_or("the emulator has no token")?;
    let store = store::open(&config.store.path)?;
    let reading = Reading {
        guild: GUILD,
        channels: config.suggest.channels.clone(),
        since_ms: faqbot::time::now_ms() - faqbot::time::days_ms(180),
        dry_run: false,
        max_examples: config.store.max_examples_per_entry,
    };
    let learned = learn_with_config(&config, &token, store.clone(), &faq, &reading, |_| {}).await?;
    println!(
        "history: {seeded} messages; read {} in {:.1} s; {}",
        learned.messages,
        learned.elapsed.as_secs_f64(),
        learned.counts
    );
    let examples = store.examples(Some(faqbot::ids::GuildId(GUILD)))?;
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "\nBANKING77, {} cases | top-1 | precision | recall",
        cases.len()
    );
    println!("---|---|---|---");
    let none = Learned::default();
    let from_history = faqbot::service::learned(&examples);
    let row = |name: &str, report: &Report| {
        println!(
            "{name} | {:.3} | {:.3} | {:.3}",
            report.top1, report.precision, report.recall
        );
    };
    row("written questions only", &measure(&faq, &none, &cases)?);
    row(
        "with the history learned",
        &measure(&faq, &from_history, &cases)?,
    );
    row(
        "with 10 written examples (reference)",
        &measure(&written, &none, &cases)?,
    );

    println!("\nheld out a third of the intents (seeds 1, 2, 3) | top-1 | precision | recall | suggested on held-out");
    println!("---|---|---|---|---");
    for (name, learned) in [
        ("written questions only", &none),
        ("with the history learned", &from_history),
    ] {
        let reports = SEEDS
            .iter()
            .map(|&seed| {
                let (kept, cases) = hold_out(&faq, &cases, seed, 1.0 / 3.0);
                measure(&kept, learned, &cases)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let report = mean(&reports);
        println!(
            "{name} | {:.3} | {:.3} | {:.3} | {:.3}",
            report.top1, report.precision, report.recall, report.false_rate
        );
    }
    Ok(())
}

/// The matcher of `faq` with `learned` (examples of entries `faq` lacks are left out) on `cases`.
fn measure(
    faq: &Faq,
    learned: &Learned,
    cases: &[Case],
) -> Result<Report, Box<dyn std::error::Error>> {
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    let kept = Learned {
        examples: learned
            .examples
            .iter()
            .filter(|(entry, _)| ids.contains(&entry.as_str()))
            .cloned()
            .collect(),
        negatives: Vec::new(),
    };
    Ok(evaluate(&Matcher::with_learned(faq, &kept), &ids, cases)?)
}

/// Seeds `#cipp-issues` with the training file's first utterances of each intent, each answered
/// by the moderator with a reply that links the intent's entry; returns how many messages.
fn seed(emulator: &Emulator, faq: &Faq) -> Result<usize, Box<dyn std::error::Error>> {
    let train = std::fs::read_to_string(format!("{FIXTURE}/train.csv"))?;
    let links: HashMap<&str, &str> = faq
        .entries
        .iter()
        .filter_map(|e| Some((e.id.as_str(), e.link.as_deref()?)))
        .collect();
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut utterances = Vec::new();
    for line in train.lines().skip(1) {
        let Some((text, intent)) = line.rsplit_once(',') else {
            continue;
        };
        let id = intent.replace('_', "-");
        let count = taken.entry(id.clone()).or_default();
        if *count < PER_INTENT && links.contains_key(id.as_str()) {
            *count += 1;
            utterances.push((text.trim_matches('"').replace("\"\"", "\""), id));
        }
    }
    let mut ago = Duration::from_secs(86_400 * 30);
    for (text, id) in &utterances {
        ago -= Duration::from_secs(60);
        let asked = emulator.past(ago, ALICE, CIPP_ISSUES, text, None);
        let reply = format!("This should help: {}", links[id.as_str()]);
        emulator.past(
            ago - Duration::from_secs(30),
            MOD,
            CIPP_ISSUES,
            &reply,
            Some(asked),
        );
    }
    Ok(utterances.len() * 2)
}
