//! `faqbot examples`: teach the store from labelled cases, or export what it learned for review.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faqbot::eval::load_cases;
use faqbot::store::Example;

use super::args::{DbArg, FaqArg};
use super::Result;
use super::{examples, existing_db, load, server};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Store cases (the `faqbot eval` format) as learned examples, as if moderators linked them;
    /// `expect = "none"` cases are skipped.
    Import {
        /// The cases to learn, in the `faqbot eval` format.
        cases: PathBuf,
        #[command(flatten)]
        faq: FaqArg,
        #[command(flatten)]
        db: DbArg,
        /// The bot's config, for its `[store] max_examples_per_entry`; without it, faqbot.toml
        /// if it exists, else the defaults.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// Print the learned examples as `examples` blocks per entry, for review into faq.toml.
    Export {
        #[command(flatten)]
        db: DbArg,
    },
}

pub fn exec(command: Command) -> Result<ExitCode> {
    match command {
        Command::Import {
            cases,
            faq,
            db,
            config,
        } => {
            let keep = super::config(config.as_deref())?
                .store
                .max_examples_per_entry;
            import_examples(&cases, &faq.faq, &db, keep)
        }
        Command::Export { db } => {
            let store = existing_db(&db.db)?;
            print!(
                "{}",
                export_examples(&examples(store.as_ref(), db.server.id)?)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Stores the cases as learned examples, keeping at most `keep` per entry (the newest).
fn import_examples(cases: &Path, faq: &Path, db: &DbArg, keep: usize) -> Result<ExitCode> {
    let faq = load(faq)?;
    let cases = load_cases(cases)?;
    if let Some(unknown) = cases
        .iter()
        .find(|c| c.expect != faqbot::eval::NONE && faq.get(&c.expect).is_none())
    {
        return Err(format!(
            "a case expects entry `{}`, which the FAQ does not have: fix the case or pass the right --faq",
            unknown.expect
        ).into());
    }
    let store = faqbot::store::open(&db.db)?;
    let guild = server(store.as_ref(), db.server.id)?;
    let known: std::collections::HashSet<(String, String)> = store
        .examples(guild)?
        .into_iter()
        .filter(|e| e.positive)
        .map(|e| (e.entry, e.text))
        .collect();
    let now = faqbot::time::now_ms();
    let (mut added, mut skipped) = (0, 0);
    for case in cases.iter().filter(|c| c.expect != faqbot::eval::NONE) {
        if known.contains(&(case.expect.clone(), case.text.clone())) {
            skipped += 1;
            continue;
        }
        let example = Example {
            guild,
            entry: case.expect.clone(),
            text: case.text.clone(),
            positive: true,
            at_ms: now,
            channel: None,
            message: None,
            author: None,
            reply: None,
            by: None,
            from_history: false,
        };
        store.add_example(&example, keep)?;
        added += 1;
    }
    let none = cases
        .iter()
        .filter(|c| c.expect == faqbot::eval::NONE)
        .count();
    println!(
        "{}: added {added} learned examples ({skipped} already there, {none} \"none\" cases skipped)",
        db.db.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Learned examples as faq.toml `examples` blocks, one per entry, "Not it" messages as comments.
fn export_examples(examples: &[Example]) -> String {
    let mut by_entry: std::collections::BTreeMap<&str, (Vec<&str>, Vec<&str>)> = Default::default();
    for example in examples {
        let (positive, negative) = by_entry.entry(&example.entry).or_default();
        if example.positive {
            positive.push(&example.text);
        } else {
            negative.push(&example.text);
        }
    }
    let quote = |text: &str| toml::Value::String(text.to_owned()).to_string();
    let mut out = String::from(
        "# Learned examples, for review: copy the lines worth keeping into the entry's `examples`\n\
         # in faq.toml. \"Not it\" messages are listed as comments.\n",
    );
    for (entry, (positive, negative)) in by_entry {
        out += &format!("\n[[entry]]\nid = {}\n", quote(entry));
        if !positive.is_empty() {
            out += "examples = [\n";
            for text in positive {
                out += &format!("    {},\n", quote(text));
            }
            out += "]\n";
        }
        for text in negative {
            out += &format!("# not it: {}\n", quote(text).replace('\n', " "));
        }
    }
    out
}
