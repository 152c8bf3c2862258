//! Folding a fresh import into a curated `faq.toml`, keeping everything people added.
//!
//! Each imported entry is paired with the file's entry for the same question: the same question
//! text first, then the same id, then the most similar question or answer (a reworded question
//! keeps its id, so its aliases, keywords, examples and learned examples stay attached). A pair
//! takes the docs' question, answer and link; every other key, comment and the order of the file
//! are kept (toml_edit edits the file in place). New entries are appended; entries gone from the
//! docs are kept unless pruned.

use std::collections::HashSet;
use std::fmt;

use toml_edit::{DocumentMut, Item, Value};

use super::ImportError;
use crate::faq::{Entry, Faq};
use crate::matcher::text::{is_stop_word, raw_words};

/// Below this word overlap (Dice) of the questions, or of the answers, two entries are not the
/// same: a rewording keeps most of a question's words, while two different questions of one FAQ
/// share a few topic words at most ("CIPP", "tenant").
const MIN_SIMILARITY: f32 = 0.5;

/// The merged file and what changed.
#[derive(Debug)]
pub struct Merged {
    pub text: String,
    pub report: Report,
}

#[derive(Debug, Default, PartialEq)]
pub struct Report {
    pub added: Vec<String>,
    /// Ids with the fields the docs changed.
    pub updated: Vec<(String, Vec<&'static str>)>,
    /// Entries paired by similarity whose question changed: id, old question, new question.
    pub reworded: Vec<(String, String, String)>,
    pub unchanged: usize,
    /// Entries no longer in the docs: id and question.
    pub gone: Vec<(String, String)>,
    /// Whether the gone entries were removed.
    pub pruned: bool,
}

impl Report {
    /// Whether the merge changes the file.
    pub fn changes(&self) -> usize {
        self.added.len() + self.updated.len() + if self.pruned { self.gone.len() } else { 0 }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gone = if self.pruned {
            "removed"
        } else {
            "kept; --prune removes them"
        };
        writeln!(
            f,
            "{} added, {} updated, {} unchanged, {} gone from the docs ({gone})",
            self.added.len(),
            self.updated.len(),
            self.unchanged,
            self.gone.len()
        )?;
        for id in &self.added {
            writeln!(f, "  added      {id}")?;
        }
        for (id, fields) in &self.updated {
            writeln!(f, "  updated    {id}: {}", fields.join(", "))?;
        }
        for (id, old, new) in &self.reworded {
            writeln!(f, "  reworded   {id}: {old:?} is now {new:?}")?;
        }
        for (id, question) in &self.gone {
            writeln!(f, "  gone       {id}: {question:?}")?;
        }
        Ok(())
    }
}

/// Merges `import` into the file `text` (named `path` in errors): one pass over the file's
/// entries in its order, editing the TOML document in place so that comments and formatting
/// survive, then the new entries appended.
pub fn merge(text: &str, path: &str, import: &Faq, prune: bool) -> Result<Merged, ImportError> {
    let current = Faq::parse(text, path).map_err(|problems| ImportError::CurrentInvalid {
        path: path.to_owned(),
        first: first_problem(&problems),
    })?;
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ImportError::NotToml {
                path: path.to_owned(),
                detail: e.to_string(),
            })?;
    let tables = doc.get("entry");
    if tables.is_some_and(|t| !t.is_array_of_tables()) {
        return Err(ImportError::InlineEntries(path.to_owned()));
    }
    let pairs = pair(&current.entries, &import.entries);

    let mut report = Report {
        pruned: prune,
        ..Report::default()
    };
    if let Some(tables) = doc.get_mut("entry").and_then(Item::as_array_of_tables_mut) {
        for (new, old) in import.entries.iter().zip(&pairs) {
            let Some((index, by_similarity)) = *old else {
                continue;
            };
            if let Some(table) = tables.get_mut(index) {
                let old = &current.entries[index];
                update(table, old, new, by_similarity, &mut report);
            }
        }
        let gone: Vec<usize> = (0..current.entries.len())
            .filter(|i| !pairs.iter().any(|p| p.is_some_and(|(j, _)| j == *i)))
            .collect();
        for &index in &gone {
            let entry = &current.entries[index];
            report.gone.push((entry.id.clone(), entry.question.clone()));
        }
        if prune {
            for &index in gone.iter().rev() {
                tables.remove(index);
            }
        }
    }
    let added = unpaired(&current, import, &pairs, &mut report);
    let merged = appended(doc.to_string(), added);
    if let Err(problems) = Faq::parse(&merged, path) {
        return Err(ImportError::MergedInvalid(first_problem(&problems)));
    }
    Ok(Merged {
        text: merged,
        report,
    })
}

/// The first of a file's problems, in one line.
fn first_problem(problems: &[crate::location::Problem]) -> String {
    problems
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Gives the file's entry `table` (parsed as `old`) the docs' question, answer and link from
/// `new`, keeping each value's comments, and notes in `report` what changed.
fn update(
    table: &mut toml_edit::Table,
    old: &Entry,
    new: &Entry,
    by_similarity: bool,
    report: &mut Report,
) {
    let mut fields = Vec::new();
    for (key, was, now) in [
        ("question", Some(&old.question), Some(&new.question)),
        ("answer", Some(&old.answer), Some(&new.answer)),
        ("link", old.link.as_ref(), new.link.as_ref()),
    ] {
        let Some(now) = now.filter(|now| Some(*now) != was) else {
            continue;
        };
        let mut value = string_value(now);
        if let Some(previous) = table.get(key).and_then(Item::as_value) {
            *value.decor_mut() = previous.decor().clone();
        }
        table.insert(key, Item::Value(value));
        fields.push(key);
    }
    // A moved page: links to its old address in a channel's history still mean the entry.
    if let (Some(was), Some(now)) = (&old.link, &new.link) {
        if was != now && !old.old_links.contains(was) {
            let mut moved = toml_edit::Array::new();
            for link in old.old_links.iter().chain([was]) {
                moved.push(link.as_str());
            }
            table.insert("old_links", Item::Value(moved.into()));
        }
    }
    if by_similarity && old.question != new.question {
        report
            .reworded
            .push((old.id.clone(), old.question.clone(), new.question.clone()));
    }
    if fields.is_empty() {
        report.unchanged += 1;
    } else {
        report.updated.push((old.id.clone(), fields));
    }
}

/// The imported entries no file entry is paired with, each under an id the file does not use.
fn unpaired(
    current: &Faq,
    import: &Faq,
    pairs: &[Option<(usize, bool)>],
    report: &mut Report,
) -> Vec<Entry> {
    let mut taken: HashSet<String> = current.entries.iter().map(|e| e.id.clone()).collect();
    let mut added = Vec::new();
    for (new, old) in import.entries.iter().zip(pairs) {
        if old.is_some() {
            continue;
        }
        let mut entry = new.clone();
        entry.id = super::free_id(&entry.id, |id| taken.contains(id));
        taken.insert(entry.id.clone());
        report.added.push(entry.id.clone());
        added.push(entry);
    }
    added
}

/// The file's text with `added` appended as `[[entry]]` tables.
fn appended(mut merged: String, added: Vec<Entry>) -> String {
    if added.is_empty() {
        return merged;
    }
    if !merged.is_empty() && !merged.ends_with('\n') {
        merged.push('\n');
    }
    let new = Faq {
        page: None,
        entries: added,
    };
    merged.push('\n');
    merged.push_str(super::to_toml(&new).trim_end());
    merged.push('\n');
    merged
}

/// A string value written as `to_toml` writes it (multi-line answers as `"""` blocks).
fn string_value(text: &str) -> Value {
    let repr = toml::Value::String(text.to_owned()).to_string();
    repr.parse()
        .unwrap_or_else(|_| Value::from(text.to_owned()))
}

/// For each imported entry, the index of its entry in the file and whether it was found by
/// similarity only.
fn pair(current: &[Entry], imported: &[Entry]) -> Vec<Option<(usize, bool)>> {
    let mut pairs: Vec<Option<(usize, bool)>> = vec![None; imported.len()];
    let mut used = vec![false; current.len()];
    let same_question = |a: &Entry, b: &Entry| normalise(&a.question) == normalise(&b.question);
    let same_id = |a: &Entry, b: &Entry| a.id == b.id;
    for same in [&same_question as &dyn Fn(&Entry, &Entry) -> bool, &same_id] {
        for (i, new) in imported.iter().enumerate() {
            if pairs[i].is_some() {
                continue;
            }
            if let Some(j) = (0..current.len()).find(|&j| !used[j] && same(&current[j], new)) {
                pairs[i] = Some((j, false));
                used[j] = true;
            }
        }
    }
    let words = |e: &Entry| (content_words(&e.question), content_words(&e.answer));
    let old: Vec<_> = current.iter().map(words).collect();
    let new: Vec<_> = imported.iter().map(words).collect();
    let mut candidates = Vec::new();
    for (i, (question, answer)) in new.iter().enumerate() {
        if pairs[i].is_some() {
            continue;
        }
        for (j, (old_question, old_answer)) in old.iter().enumerate() {
            if used[j] {
                continue;
            }
            let score = dice(question, old_question).max(dice(answer, old_answer));
            if score >= MIN_SIMILARITY {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, i, j) in candidates {
        if pairs[i].is_none() && !used[j] {
            pairs[i] = Some((j, true));
            used[j] = true;
        }
    }
    pairs
}

fn normalise(question: &str) -> Vec<String> {
    raw_words(question)
}

fn content_words(text: &str) -> HashSet<String> {
    raw_words(text)
        .into_iter()
        .filter(|w| !is_stop_word(w))
        .collect()
}

/// Twice the shared words over the words of both.
fn dice(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f32 / (a.len() + b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURATED: &str = r#"# Reviewed by the moderators.
[faq]
page = "https://old.example.org/faq/"

[[entry]]
id = "cost" # short id people type
question = "How much does it cost to run?"
aliases = ["price"]
answer = "About $15 a month."

[[entry]]
id = "deploy"
question = "Why can't I install it using the Deploy button?"
keywords = ["deploy button"]
examples = ["the deploy button fails"]
answer = "Use the manual steps."

[[entry]]
id = "retired"
question = "Where is the old settings page?"
answer = "It moved."
"#;

    fn entry(id: &str, question: &str, answer: &str) -> Entry {
        Entry {
            id: id.into(),
            question: question.into(),
            answer: answer.into(),
            link: Some(format!("https://docs.example.org/faq#{id}")),
            ..Entry::default()
        }
    }

    fn docs() -> Faq {
        Faq {
            page: Some("https://docs.example.org/faq".into()),
            entries: vec![
                entry(
                    "how-much-does-it-cost-to-run",
                    "How much does it cost to run?",
                    "About $20 a month.\n\nCheck the portal.",
                ),
                entry(
                    "why-can-t-i-install-using-the-deploy-button",
                    "Why can't I install using the \"Deploy\" button?",
                    "Use the manual steps.",
                ),
                entry("what-is-new", "What is new?", "Everything."),
            ],
        }
    }

    #[test]
    fn curated_fields_comments_and_order_survive() {
        let merged = merge(CURATED, "faq.toml", &docs(), false).unwrap();
        let text = &merged.text;
        assert!(text.starts_with("# Reviewed by the moderators.\n"));
        assert!(text.contains("id = \"cost\" # short id people type"));
        let faq = Faq::parse(text, "faq.toml").unwrap();
        let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["cost", "deploy", "retired", "what-is-new"]);
        let cost = faq.get("cost").unwrap();
        assert_eq!(cost.aliases, ["price"]);
        assert_eq!(cost.answer, "About $20 a month.\n\nCheck the portal.");
        let deploy = faq.get("deploy").unwrap();
        assert_eq!(
            deploy.question,
            "Why can't I install using the \"Deploy\" button?"
        );
        assert_eq!(deploy.keywords, ["deploy button"]);
        assert_eq!(deploy.examples, ["the deploy button fails"]);
        assert_eq!(
            deploy.link.as_deref(),
            Some("https://docs.example.org/faq#why-can-t-i-install-using-the-deploy-button")
        );
        // The old entry keeps its old link.
        assert_eq!(
            faq.get("retired").unwrap().link.as_deref(),
            Some("https://old.example.org/faq/#retired")
        );

        let report = &merged.report;
        assert_eq!(report.added, ["what-is-new"]);
        assert_eq!(report.updated.len(), 2);
        assert_eq!(report.reworded.len(), 1);
        assert_eq!(report.reworded[0].0, "deploy");
        assert_eq!(
            report.gone,
            [(
                "retired".to_owned(),
                "Where is the old settings page?".to_owned()
            )]
        );
        assert!(report
            .to_string()
            .starts_with("1 added, 2 updated, 0 unchanged, 1 gone from the docs (kept"));
    }

    #[test]
    fn a_second_merge_changes_nothing() {
        let once = merge(CURATED, "faq.toml", &docs(), false).unwrap();
        let twice = merge(&once.text, "faq.toml", &docs(), false).unwrap();
        assert_eq!(twice.text, once.text);
        assert_eq!(twice.report.changes(), 0, "{}", twice.report);
        assert_eq!(twice.report.unchanged, 3);
    }

    #[test]
    fn prune_removes_what_the_docs_dropped() {
        let merged = merge(CURATED, "faq.toml", &docs(), true).unwrap();
        let faq = Faq::parse(&merged.text, "faq.toml").unwrap();
        assert!(faq.get("retired").is_none());
        assert!(merged.report.to_string().contains("(removed)"));
    }

    #[test]
    fn inline_entries_are_refused() {
        let inline = "entry = [{ id = \"a\", question = \"Q?\", answer = \"A.\" }]\n";
        let err = merge(inline, "faq.toml", &docs(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("merging needs them as [[entry]] tables"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_file_is_refused() {
        let err = merge("[[entry]]\nid = 3\n", "faq.toml", &docs(), false)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("faq.toml does not load ("), "{err}");
        assert!(err.ends_with("fix it before merging into it"));
    }
}
