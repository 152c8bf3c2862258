//! Matching throughput on large FAQs: one entry per utterance of banking77's training file, and the
//! banking77 test messages as the stream of incoming messages.
//!
//! `cargo bench --bench matcher` (BANKING77 from `tests/fixtures/banking77/`).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faqbot::faq::{Entry, Faq};
use faqbot::matcher::Matcher;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/banking77");

/// The training utterances, spread over all intents.
fn utterances() -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(Path::new(SHARED).join("train.csv"))
        .expect("banking77 train.csv beside the project");
    reader
        .records()
        .map(|r| {
            let r = r.expect("a valid CSV row");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// `size` entries, taking every k-th utterance so that every intent is represented.
fn faq(utterances: &[(String, String)], size: usize) -> Faq {
    let step = (utterances.len() / size).max(1);
    let entries = utterances
        .iter()
        .step_by(step)
        .take(size)
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

fn messages() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(SHARED).join("cases.toml")).expect("cases.toml");
    faqbot::eval::parse_cases(&text, "cases.toml")
        .expect("valid cases")
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fn matching(c: &mut Criterion) {
    let utterances = utterances();
    let messages = messages();
    let mut group = c.benchmark_group("match");
    group.throughput(Throughput::Elements(1));
    for size in [100, 1_000, 10_000] {
        let faq = faq(&utterances, size);
        assert_eq!(faq.entries.len(), size);
        let matcher = Matcher::new(&faq);
        let mut next = messages.iter().cycle();
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| black_box(matcher.decide(black_box(next.next().unwrap()), 5)))
        });
    }
    group.finish();
}

fn indexing(c: &mut Criterion) {
    let utterances = utterances();
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    for size in [1_000, 10_000] {
        let faq = faq(&utterances, size);
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| black_box(Matcher::new(black_box(&faq))))
        });
    }
    group.finish();
}

criterion_group!(benches, matching, indexing);
criterion_main!(benches);
