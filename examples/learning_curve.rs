//! How learned examples lift the matcher: BANKING77 with its `examples` taken out of faq.toml and
//! given back as learned examples (what `faqbot examples import` stores), 1, 2, 5 and 10 per entry.
//!
//! `cargo run --release --example learning_curve [DIR]`, DIR holding `faq.toml` and `cases.toml`
//! (default: the vendored `tests/fixtures/banking77`).

use faqbot::eval::{evaluate, load_cases};
use faqbot::faq::Faq;
use faqbot::matcher::{Learned, Matcher};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/banking77").to_owned()
    });
    let dir = std::path::Path::new(&dir);
    let faq = Faq::load(dir.join("faq.toml")).map_err(|e| e.to_string())?;
    let cases = load_cases(&dir.join("cases.toml"))?;
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    let mut stripped = faq.clone();
    for entry in &mut stripped.entries {
        entry.examples.clear();
    }
    let top1 = |matcher: &Matcher| evaluate(matcher, &ids, &cases).map(|r| (r.top1, r.recall));

    println!("examples per entry | top-1 | recall (suggested and right)");
    println!("---|---|---");
    for n in [0, 1, 2, 5, 10] {
        let learned = Learned {
            examples: faq
                .entries
                .iter()
                .flat_map(|e| e.examples.iter().take(n).map(|x| (e.id.clone(), x.clone())))
                .collect(),
            negatives: Vec::new(),
        };
        let (t, r) = top1(&Matcher::with_learned(&stripped, &learned))?;
        println!("{n} learned | {t:.3} | {r:.3}");
    }
    let (t, r) = top1(&Matcher::new(&faq))?;
    println!("10 in faq.toml (reference) | {t:.3} | {r:.3}");
    Ok(())
}
