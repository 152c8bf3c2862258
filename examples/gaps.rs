//! How well `faqbot gaps` finds intents the FAQ lacks: BANKING77 (CC BY 4.0) with a third of its
//! intents held out of the FAQ (seeds 1-3, as `faqbot eval --hold-out`), their test utterances
//! given as unmatched messages. Reports, per seed and on average: the NMI of the gaps against the
//! held-out intents (messages left as noise count as clusters of one), how many of the 10 largest
//! gaps are at least 80% one intent, and the noise; k-means on the same vectors, told the true
//! number of intents, beside it; the same without the model; and the gaps again with the CIPP dev
//! set's `none` messages (no intent at all) mixed in; then all 10,003 training utterances at once.
//!
//! `cargo run --release --example gaps [MODEL_DIR]` (default `model`; without the model only the
//! words-alone figures are printed).

use std::collections::HashMap;
use std::path::Path;

use faqbot::eval::{hold_out, load_cases, shuffled, NONE};
use faqbot::faq::Faq;
use faqbot::gaps::{self, Similarity};
use faqbot::second_opinion::{Loading, SecondOpinion};

const SEEDS: [u64; 3] = [1, 2, 3];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let faq = Faq::load(fixtures.join("banking77/faq.toml"))?;
    let cases = load_cases(&fixtures.join("banking77/cases.toml"))?;
    let chatter: Vec<String> = load_cases(&fixtures.join("dev.toml"))?
        .into_iter()
        .filter(|c| c.expect == NONE)
        .map(|c| c.text)
        .collect();
    let model_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "model".to_owned());
    let opinion = match SecondOpinion::load(Path::new(&model_dir))? {
        Loading::Ready(opinion) => Some(opinion),
        Loading::Absent => {
            println!("(no model in {model_dir}: words alone only)");
            None
        }
    };
    let mut rows: HashMap<&str, Vec<Figures>> = HashMap::new();
    // Per seed: how many chatter messages joined a gap (the rest are noise).
    let mut chatter_kept: Vec<String> = Vec::new();
    for seed in SEEDS {
        let (_, held) = hold_out(&faq, &cases, seed, 1.0 / 3.0);
        // The held-out intents' utterances: `none` after the hold-out, named by the original.
        let unmatched: Vec<(&str, &str)> = held
            .iter()
            .zip(&cases)
            .filter(|(h, _)| h.expect == NONE)
            .map(|(_, c)| (c.text.as_str(), c.expect.as_str()))
            .collect();
        let texts: Vec<&str> = unmatched.iter().map(|(t, _)| *t).collect();
        let truth: Vec<&str> = unmatched.iter().map(|(_, e)| *e).collect();
        let intents = {
            let mut seen = truth.clone();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        };
        let mut with_noise: Vec<&str> = texts.clone();
        with_noise.extend(chatter.iter().map(String::as_str));
        let started = std::time::Instant::now();
        let words = gaps::find(&texts, &Similarity::of_words(&texts));
        let words_secs = started.elapsed().as_secs_f64();
        rows.entry("words alone")
            .or_default()
            .push(figures(&words, &truth, words_secs));
        if let Some(opinion) = &opinion {
            let vectors = embed(opinion, &with_noise)?;
            let started = std::time::Instant::now();
            let only = Similarity::with_model(vectors[..texts.len()].to_vec());
            let model = gaps::find(&texts, &only);
            let secs = started.elapsed().as_secs_f64();
            rows.entry("model")
                .or_default()
                .push(figures(&model, &truth, secs));
            let mixed = gaps::find(&with_noise, &Similarity::with_model(vectors.clone()));
            let chatter_in_gaps = mixed
                .gaps
                .iter()
                .flat_map(|g| &g.members)
                .filter(|&&m| m >= truth.len())
                .count();
            chatter_kept.push(chatter_in_gaps.to_string());
            rows.entry("model, chatter mixed in")
                .or_default()
                .push(figures(&mixed, &truth, 0.0));
            let assigned = kmeans(&vectors[..texts.len()], intents, seed);
            rows.entry("k-means, true k (model)")
                .or_default()
                .push(Figures {
                    nmi: nmi(&assigned, &truth),
                    pure: pure_of_largest(&groups_of(&assigned), &truth),
                    gaps: intents,
                    noise: 0,
                    secs: 0.0,
                });
        }
        println!(
            "seed {seed}: {} held-out intents, {} messages, {} chatter",
            intents,
            texts.len(),
            chatter.len()
        );
    }
    println!(
        "\n{:<26} {:>22} {:>8} {:>16} {:>7} {:>7}",
        "", "NMI (seeds 1, 2, 3)", "mean", "pure of top 10", "gaps", "noise"
    );
    for name in [
        "model",
        "k-means, true k (model)",
        "model, chatter mixed in",
        "words alone",
    ] {
        let Some(row) = rows.get(name) else { continue };
        let nmis: Vec<String> = row.iter().map(|f| format!("{:.3}", f.nmi)).collect();
        let mean = row.iter().map(|f| f.nmi).sum::<f64>() / row.len() as f64;
        let pure: Vec<String> = row.iter().map(|f| f.pure.to_string()).collect();
        let gaps: Vec<String> = row.iter().map(|f| f.gaps.to_string()).collect();
        let noise: Vec<String> = row.iter().map(|f| f.noise.to_string()).collect();
        println!(
            "{name:<26} {:>22} {mean:>8.3} {:>16} {:>7} {:>7}",
            nmis.join(", "),
            pure.join(", "),
            gaps.join("/"),
            noise.join("/")
        );
    }
    if !chatter_kept.is_empty() {
        println!(
            "\nchatter messages in gaps (of {}): {}",
            chatter.len(),
            chatter_kept.join(", ")
        );
    }
    if let Some(opinion) = &opinion {
        at_scale(
            opinion,
            &fixtures.join("banking77/train.csv"),
            Path::new(&model_dir),
        )?;
    }
    if let Some(row) = rows.get("model") {
        let secs: Vec<String> = row.iter().map(|f| format!("{:.3}", f.secs)).collect();
        println!(
            "\nclustering time with vectors at hand (s): {}",
            secs.join(", ")
        );
    }
    Ok(())
}

/// The gaps among all 10,003 training utterances (77 intents, about 130 each): how the groups
/// hold up when each topic is asked a hundred times. Vectors are cached in the model folder.
fn at_scale(
    opinion: &SecondOpinion,
    train: &Path,
    model_dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(train)?;
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| r.map(|r| (r[0].to_owned(), r[1].to_owned())))
        .collect::<Result<_, _>>()?;
    let texts: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    let truth: Vec<&str> = rows.iter().map(|(_, i)| i.as_str()).collect();
    let cache = faqbot::store::sqlite::Sqlite::open(&model_dir.join("vectors.db"))?;
    let vectors = opinion.vectors_cached(&texts, Some(&cache), |_, _| {})?;
    let started = std::time::Instant::now();
    let found = gaps::find(&texts, &Similarity::with_model(vectors));
    let secs = started.elapsed().as_secs_f64();
    let words = gaps::find(&texts, &Similarity::of_words(&texts));
    println!(
        "\nall {} training utterances ({} intents):",
        texts.len(),
        77
    );
    for (name, found) in [("model", &found), ("words alone", &words)] {
        let f = figures(found, &truth, 0.0);
        let largest: Vec<String> = found
            .gaps
            .iter()
            .take(5)
            .map(|g| g.members.len().to_string())
            .collect();
        println!(
            "{name:<12} NMI {:.3}, {} gaps, {} noise, {} of the 10 largest pure, largest {}",
            f.nmi,
            f.gaps,
            f.noise,
            f.pure,
            largest.join("/")
        );
    }
    println!("clustering time with the model (s): {secs:.2}");
    Ok(())
}

struct Figures {
    nmi: f64,
    /// Of the 10 largest gaps, how many are at least 80% one intent.
    pure: usize,
    gaps: usize,
    noise: usize,
    secs: f64,
}

/// The figures of `found` against `truth` (for the first `truth.len()` messages; later ones are
/// chatter and not scored).
fn figures(found: &gaps::Found, truth: &[&str], secs: f64) -> Figures {
    let mut assigned: Vec<usize> = vec![usize::MAX; truth.len()];
    for (g, gap) in found.gaps.iter().enumerate() {
        for &m in gap.members.iter().filter(|&&m| m < truth.len()) {
            assigned[m] = g;
        }
    }
    // Noise: each message a cluster of its own.
    let alone = assigned.iter_mut().filter(|a| **a == usize::MAX);
    for (next, a) in (found.gaps.len()..).zip(alone) {
        *a = next;
    }
    let groups: Vec<Vec<usize>> = found
        .gaps
        .iter()
        .map(|g| {
            g.members
                .iter()
                .copied()
                .filter(|&m| m < truth.len())
                .collect()
        })
        .collect();
    Figures {
        nmi: nmi(&assigned, truth),
        pure: pure_of_largest(&groups, truth),
        gaps: found.gaps.len(),
        noise: found.noise,
        secs,
    }
}

fn groups_of(assigned: &[usize]) -> Vec<Vec<usize>> {
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &a) in assigned.iter().enumerate() {
        groups.entry(a).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    groups
}

/// Of the 10 largest groups, how many are at least 80% one intent.
fn pure_of_largest(groups: &[Vec<usize>], truth: &[&str]) -> usize {
    let mut sorted: Vec<&Vec<usize>> = groups.iter().filter(|g| !g.is_empty()).collect();
    sorted.sort_by_key(|g| std::cmp::Reverse(g.len()));
    sorted
        .iter()
        .take(10)
        .filter(|group| {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for &m in group.iter() {
                *counts.entry(truth[m]).or_default() += 1;
            }
            let top = counts.values().max().copied().unwrap_or(0);
            top * 5 >= group.len() * 4
        })
        .count()
}

/// Normalised mutual information, arithmetic mean of the entropies (scikit-learn's default).
fn nmi(assigned: &[usize], truth: &[&str]) -> f64 {
    let n = assigned.len() as f64;
    let mut joint: HashMap<(usize, &str), f64> = HashMap::new();
    let mut a: HashMap<usize, f64> = HashMap::new();
    let mut t: HashMap<&str, f64> = HashMap::new();
    for (&x, &y) in assigned.iter().zip(truth) {
        *joint.entry((x, y)).or_default() += 1.0;
        *a.entry(x).or_default() += 1.0;
        *t.entry(y).or_default() += 1.0;
    }
    let entropy = |counts: &mut dyn Iterator<Item = f64>| -> f64 {
        counts.map(|c| -(c / n) * (c / n).ln()).sum()
    };
    let mi: f64 = joint
        .iter()
        .map(|(&(x, y), &c)| (c / n) * ((c * n) / (a[&x] * t[y])).ln())
        .sum();
    let (ha, ht) = (
        entropy(&mut a.values().copied()),
        entropy(&mut t.values().copied()),
    );
    if ha + ht == 0.0 {
        1.0
    } else {
        mi / ((ha + ht) / 2.0)
    }
}

fn embed(
    opinion: &SecondOpinion,
    texts: &[&str],
) -> Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
    texts
        .iter()
        .map(|text| Ok(opinion.embed(text)?.whole))
        .collect()
}

/// k-means (Lloyd's) on unit vectors with k-means++ seeding, the best of 10 starts by inertia;
/// seeded, so the same every run.
fn kmeans(vectors: &[Vec<f32>], k: usize, seed: u64) -> Vec<usize> {
    let distance =
        |a: &[f32], b: &[f32]| -> f32 { a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum() };
    let mut best: Option<(f32, Vec<usize>)> = None;
    for start in 0..10u64 {
        let order = shuffled(vectors.len(), seed * 1000 + start);
        // k-means++: each next centre far from those chosen, picked by the seeded order's weights.
        let mut centres: Vec<Vec<f32>> = vec![vectors[order[0]].clone()];
        let mut pick = 1;
        while centres.len() < k {
            let weights: Vec<f32> = vectors
                .iter()
                .map(|v| {
                    centres
                        .iter()
                        .map(|c| distance(v, c))
                        .fold(f32::MAX, f32::min)
                })
                .collect();
            let total: f32 = weights.iter().sum();
            let target = total * ((order[pick % order.len()] as f32 + 0.5) / order.len() as f32);
            pick += 1;
            let mut sum = 0.0;
            let chosen = weights
                .iter()
                .position(|w| {
                    sum += w;
                    sum >= target
                })
                .unwrap_or(vectors.len() - 1);
            centres.push(vectors[chosen].clone());
        }
        let mut assigned = vec![0; vectors.len()];
        for _ in 0..100 {
            let next: Vec<usize> = vectors
                .iter()
                .map(|v| {
                    (0..k)
                        .min_by(|&a, &b| {
                            distance(v, &centres[a]).total_cmp(&distance(v, &centres[b]))
                        })
                        .unwrap_or(0)
                })
                .collect();
            let settled = next == assigned;
            assigned = next;
            for (c, centre) in centres.iter_mut().enumerate() {
                let members: Vec<&Vec<f32>> = vectors
                    .iter()
                    .zip(&assigned)
                    .filter(|(_, &a)| a == c)
                    .map(|(v, _)| v)
                    .collect();
                if members.is_empty() {
                    continue;
                }
                for (d, value) in centre.iter_mut().enumerate() {
                    *value = members.iter().map(|m| m[d]).sum::<f32>() / members.len() as f32;
                }
            }
            if settled {
                break;
            }
        }
        let inertia: f32 = vectors
            .iter()
            .zip(&assigned)
            .map(|(v, &a)| distance(v, &centres[a]))
            .sum();
        if best.as_ref().is_none_or(|(b, _)| inertia < *b) {
            best = Some((inertia, assigned));
        }
    }
    best.map(|(_, a)| a).unwrap_or_default()
}
