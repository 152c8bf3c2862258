//! Fits the second opinion's confidence (`OPINION_WEIGHTS` in `src/matcher/calibration.rs`) and
//! reports what it reaches, cross-validated on the real CIPP issue texts.
//!
//! Sets: the CIPP dev cases and other Microsoft 365 tools' issues (with the shipped faq.toml and
//! with the docs FAQ), BANKING77 whole and with a third of its intents held out (seeds 1-3), and the
//! real CIPP issue texts and their titles against the docs FAQ. For each case the best entry by the
//! fused score gives one sample (its features; right or not). The real sets are judged by 5-fold
//! cross-validation over 10 seeds: each fold is predicted by weights fitted on the other sets and
//! the other four folds only. The other sets are reported in-sample, and BANKING77 hold-outs with
//! seeds 11-13, which no fit sees. Then the weights fitted on everything are printed to paste.
//!
//! Needs the model (`faqbot model fetch`) and the shared folder:
//! `cargo run --release --example second_opinion [SHARED] [MODEL_DIR]`. Vectors are cached in
//! `target/second-opinion-vectors.db`, so a second run takes seconds.

use std::path::{Path, PathBuf};

use faqbot::eval::{fit_logistic, hold_out, load_cases, shuffled, Case, Point, NONE};
use faqbot::faq::Faq;
use faqbot::matcher::calibration::{self, OPINION_WEIGHTS};
use faqbot::matcher::opinion::{self, MessageVectors};
use faqbot::matcher::{Learned, Matcher};
use faqbot::second_opinion::{Loading, SecondOpinion};
use faqbot::store::sqlite::Sqlite;
use faqbot::store::{text_hash, Backend};

const L2: f64 = 1e-3;
const FOLDS: usize = 5;
const SEEDS: u64 = 10;

struct Sample {
    x: Vec<f32>,
    right: bool,
    answerable: bool,
}

struct Set {
    name: &'static str,
    samples: Vec<Sample>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shared = PathBuf::from(args.get(1).map_or("../shared", String::as_str));
    let model_dir = PathBuf::from(args.get(2).map_or("model", String::as_str));
    let opinion = match SecondOpinion::load(&model_dir) {
        Ok(Loading::Ready(opinion)) => opinion,
        Ok(Loading::Absent) => fail(format!(
            "no model in {}: run `faqbot model fetch`",
            model_dir.display()
        )),
        Err(error) => fail(&error),
    };
    let cache =
        Sqlite::open(Path::new("target/second-opinion-vectors.db")).unwrap_or_else(|e| fail(&e));
    let eval_dir = shared.join("eval");
    let faq = |path: &Path| Faq::load(path).unwrap_or_else(|e| fail(&e));
    let cases = |path: &Path| load_cases(path).unwrap_or_else(|e| fail(&e));
    let shipped = faq(Path::new("faq.toml"));
    let docs = faq(&eval_dir.join("cipp-docs-faq.toml"));
    let bank = faq(&eval_dir.join("banking77/faq.toml"));
    let bank_cases = cases(&eval_dir.join("banking77/cases.toml"));
    let dev = cases(&eval_dir.join("dev.toml"));
    let m365 = cases(&eval_dir.join("none-m365.toml"));
    let run = |name, faq: &Faq, cases: &[Case]| Set {
        name,
        samples: samples(&opinion, &cache, faq, cases),
    };
    let held = |seed| hold_out(&bank, &bank_cases, seed, 1.0 / 3.0);
    let mut fixed = vec![
        run("dev", &shipped, &dev),
        run("dev (docs FAQ)", &docs, &dev),
        run("none-m365", &shipped, &m365),
        run("none-m365 (docs FAQ)", &docs, &m365),
        run("banking77", &bank, &bank_cases),
    ];
    for seed in 1..=3 {
        let (faq, cases) = held(seed);
        fixed.push(run(
            ["banking77 hold-out 1", "2", "3"][seed as usize - 1],
            &faq,
            &cases,
        ));
    }
    let checks: Vec<Set> = (11..=13)
        .map(|seed| {
            let (faq, cases) = held(seed);
            run("banking77 hold-out (not fitted)", &faq, &cases)
        })
        .collect();
    let real = [
        run(
            "cipp-issues",
            &docs,
            &cases(&eval_dir.join("cipp-issues.toml")),
        ),
        run(
            "cipp-issues-titles",
            &docs,
            &cases(&eval_dir.join("cipp-issues-titles.toml")),
        ),
    ];
    let threshold = faqbot::matcher::Params::default().min_confidence;

    println!("Cross-validated, {FOLDS} folds x {SEEDS} seeds (precision, recall, false, top-1):");
    let thresholds = [0.5, 0.6, threshold, 0.8, 0.9];
    for (k, set) in real.iter().enumerate() {
        let mut sums = [[0.0f64; 4]; 5];
        for seed in 0..SEEDS {
            let folds: Vec<Vec<usize>> = real
                .iter()
                .map(|s| fold_of(s.samples.len(), seed * 31 + 7))
                .collect();
            let mut points = vec![None; set.samples.len()];
            for fold in 0..FOLDS {
                let train: Vec<Vec<(Vec<f32>, bool)>> = fixed
                    .iter()
                    .map(|s| pairs(&s.samples, |_| true))
                    .chain(
                        real.iter()
                            .zip(&folds)
                            .map(|(s, f)| pairs(&s.samples, |i| f[i] != fold)),
                    )
                    .collect();
                let refs: Vec<&[(Vec<f32>, bool)]> = train.iter().map(Vec::as_slice).collect();
                let weights = fit_logistic(&refs, L2);
                for (i, sample) in set.samples.iter().enumerate() {
                    if folds[k][i] == fold {
                        points[i] = Some(point(sample, &weights));
                    }
                }
            }
            let points: Vec<Point> = points.into_iter().flatten().collect();
            for (sums, &t) in sums.iter_mut().zip(&thresholds) {
                for (sum, v) in sums.iter_mut().zip(at(&points, t)) {
                    *sum += v / SEEDS as f64;
                }
            }
        }
        println!("  {}", set.name);
        for (sums, t) in sums.iter().zip(thresholds) {
            println!(
                "    at {t:.2}: precision {:.3}  recall {:.3}  false {:.3}  top-1 {:.3}",
                sums[0], sums[1], sums[2], sums[3]
            );
        }
    }

    let all: Vec<Vec<(Vec<f32>, bool)>> = fixed
        .iter()
        .chain(&real)
        .map(|s| pairs(&s.samples, |_| true))
        .collect();
    let refs: Vec<&[(Vec<f32>, bool)]> = all.iter().map(Vec::as_slice).collect();
    let weights = fit_logistic(&refs, L2);
    println!("\nIn-sample with the weights fitted on everything (shipped weights in brackets):");
    for set in fixed.iter().chain(&checks) {
        let fitted: Vec<Point> = set.samples.iter().map(|s| point(s, &weights)).collect();
        let shipped: Vec<Point> = set
            .samples
            .iter()
            .map(|s| point(s, &OPINION_WEIGHTS))
            .collect();
        let [p, r, f, t] = at(&fitted, threshold);
        let [sp, sr, sf, _] = at(&shipped, threshold);
        println!(
            "  {:<32} precision {p:.3} ({sp:.3})  recall {r:.3} ({sr:.3})  false {f:.3} ({sf:.3})  top-1 {t:.3}",
            set.name
        );
    }
    println!("\nWeights to paste into OPINION_WEIGHTS:");
    for (name, w) in opinion::OPINION_NAMES.iter().zip(&weights) {
        println!("  {w:>9.4}  {name}");
    }
    println!("  {:>9.4}  bias", weights[weights.len() - 1]);
    println!(
        "[{}]",
        weights
            .iter()
            .map(|w| format!("{w:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("second_opinion: {message}");
    std::process::exit(1)
}

/// Per case: the features of the best entry by the fused score, whether it is right.
fn samples(opinion: &SecondOpinion, cache: &Sqlite, faq: &Faq, cases: &[Case]) -> Vec<Sample> {
    // `SET="NAME=VALUE ..."` tries other parameters without editing them.
    let mut params = faqbot::matcher::Params::default();
    for assignment in std::env::var("SET").unwrap_or_default().split_whitespace() {
        params.set(assignment).unwrap_or_else(|e| fail(&e));
    }
    let matcher = Matcher::build(faq, &params, &Learned::default());
    let vectors = opinion
        .index(faq, &Learned::default(), Some(cache))
        .unwrap_or_else(|e| fail(&e));
    cases
        .iter()
        .map(|case| {
            let message = message_vectors(opinion, cache, &case.text);
            let ranked = matcher.fused(&case.text, &vectors, &message);
            let words = matcher.decide(&case.text, 1);
            let (x, right) = match ranked.first() {
                Some(best) if !words.matches.is_empty() => (
                    opinion::features(&best.signals).to_vec(),
                    best.id == case.expect,
                ),
                _ => (
                    vec![0.0; faqbot::matcher::calibration::OPINION_FEATURES],
                    false,
                ),
            };
            Sample {
                x,
                right,
                answerable: case.expect != NONE,
            }
        })
        .collect()
}

/// A message's vectors, cached like the entries' (the cache is keyed by text).
fn message_vectors(opinion: &SecondOpinion, cache: &Sqlite, text: &str) -> MessageVectors {
    let texts: Vec<&str> = std::iter::once(text).chain(opinion::parts(text)).collect();
    let hashes: Vec<_> = texts.iter().map(|t| text_hash(t)).collect();
    let found = cache.vectors(opinion.model(), &hashes).unwrap_or_default();
    let vectors: Vec<Vec<f32>> = if found.len() == texts.len() && found.iter().all(Option::is_some)
    {
        found.into_iter().flatten().collect()
    } else {
        let made = opinion.embed(text).unwrap_or_else(|e| fail(&e));
        let all: Vec<Vec<f32>> = std::iter::once(made.whole).chain(made.parts).collect();
        let rows: Vec<_> = hashes.iter().copied().zip(all.iter().cloned()).collect();
        cache
            .save_vectors(opinion.model(), &rows)
            .unwrap_or_else(|e| fail(&e));
        all
    };
    let mut vectors = vectors.into_iter();
    MessageVectors {
        whole: vectors.next().unwrap_or_default(),
        parts: vectors.collect(),
    }
}

fn pairs(samples: &[Sample], keep: impl Fn(usize) -> bool) -> Vec<(Vec<f32>, bool)> {
    samples
        .iter()
        .enumerate()
        .filter(|&(i, _)| keep(i))
        .map(|(_, s)| (s.x.clone(), s.right))
        .collect()
}

fn point(sample: &Sample, weights: &[f32]) -> Point {
    Point {
        confidence: if sample.x.iter().all(|&v| v == 0.0) {
            0.0
        } else {
            calibration::logistic(weights, &sample.x)
        },
        right: sample.right,
        answerable: sample.answerable,
    }
}

/// Precision, recall, false-suggestion rate and top-1 at `threshold`.
fn at(points: &[Point], threshold: f32) -> [f64; 4] {
    let answerable = points.iter().filter(|p| p.answerable).count().max(1) as f64;
    let nones = points.iter().filter(|p| !p.answerable).count().max(1) as f64;
    let suggested: Vec<&Point> = points
        .iter()
        .filter(|p| p.confidence >= threshold)
        .collect();
    let right = suggested.iter().filter(|p| p.right && p.answerable).count() as f64;
    let precision = if suggested.is_empty() {
        1.0
    } else {
        right / suggested.len() as f64
    };
    let false_rate = suggested.iter().filter(|p| !p.answerable).count() as f64 / nones;
    let top1 = points.iter().filter(|p| p.right && p.answerable).count() as f64 / answerable;
    [precision, right / answerable, false_rate, top1]
}

/// A fold number per sample: the same seed gives the same folds.
fn fold_of(n: usize, seed: u64) -> Vec<usize> {
    let order = shuffled(n, seed);
    let mut folds = vec![0; n];
    for (rank, &i) in order.iter().enumerate() {
        folds[i] = rank % FOLDS;
    }
    folds
}
