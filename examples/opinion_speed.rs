//! What the model's second opinion costs per message: the whole decision (words, then the model
//! where it can change the outcome) on one core, timed message by message.
//!
//! - a FAQ of 1,000 entries (one per BANKING77 training utterance, as `benches/matcher.rs`) with the
//!   BANKING77 test messages;
//! - the shipped faq.toml with the real CIPP issue texts, dev cases and other tools' issues from the
//!   shared folder, when it is there.
//!
//! `cargo run --release --example opinion_speed [SHARED] [MODEL_DIR]`; needs `faqbot model fetch`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use faqbot::eval::load_cases;
use faqbot::faq::{Entry, Faq};
use faqbot::matcher::{Learned, Matcher};
use faqbot::second_opinion::{Loading, SecondOpinion};

const BANKING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/banking77");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shared = PathBuf::from(args.get(1).map_or("../shared", String::as_str));
    let dir = PathBuf::from(args.get(2).map_or("model", String::as_str));
    let Ok(Loading::Ready(opinion)) = SecondOpinion::load(&dir) else {
        eprintln!(
            "opinion_speed: no usable model in {}: run `faqbot model fetch`",
            dir.display()
        );
        std::process::exit(1);
    };
    let large = thousand_entries();
    let bank: Vec<String> = load_cases(&Path::new(BANKING).join("cases.toml"))
        .unwrap()
        .into_iter()
        .map(|c| c.text)
        .collect();
    run(&opinion, "1,000 entries, BANKING77 messages", &large, &bank);
    let eval = shared.join("eval");
    if eval.is_dir() {
        let docs = Faq::load(eval.join("cipp-docs-faq.toml")).unwrap();
        let mut texts = Vec::new();
        for set in [
            "cipp-issues.toml",
            "cipp-issues-titles.toml",
            "dev.toml",
            "none-m365.toml",
        ] {
            texts.extend(
                load_cases(&eval.join(set))
                    .unwrap()
                    .into_iter()
                    .map(|c| c.text),
            );
        }
        run(
            &opinion,
            "CIPP docs FAQ (61 entries), the shared sets' texts",
            &docs,
            &texts,
        );
    }
}

fn run(opinion: &SecondOpinion, name: &str, faq: &Faq, texts: &[String]) {
    let matcher = Matcher::new(faq);
    let started = Instant::now();
    let vectors = opinion.index(faq, &Learned::default(), None).unwrap();
    let indexed = started.elapsed();
    let mut times = Vec::with_capacity(texts.len());
    let mut by_model = 0;
    let all = Instant::now();
    for text in texts {
        let start = Instant::now();
        by_model += usize::from(opinion.decide(&matcher, &vectors, text, 5).by_model);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let total = all.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!("{name}: {} messages", texts.len());
    println!(
        "  embedding the FAQ's texts: {:.1} s",
        indexed.as_secs_f64()
    );
    println!(
        "  per message: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms; {:.0} messages/s; {:.0}% reached the model",
        at(0.5),
        at(0.9),
        at(0.99),
        texts.len() as f64 / total,
        100.0 * by_model as f64 / texts.len() as f64
    );
}

fn thousand_entries() -> Faq {
    let mut reader = csv::Reader::from_path(Path::new(BANKING).join("train.csv")).unwrap();
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    let step = (rows.len() / 1000).max(1);
    let entries = rows
        .iter()
        .step_by(step)
        .take(1000)
        .enumerate()
        .map(|(i, (text, intent))| Entry {
            id: format!("u{i}"),
            question: text.clone(),
            answer: format!("Answer for {intent}."),
            ..Entry::default()
        })
        .collect();
    Faq {
        page: None,
        entries,
    }
}
