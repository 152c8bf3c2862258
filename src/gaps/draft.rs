//! Draft entries for gaps, ready to review into `faq.toml`: the gap's central message as the
//! question, some of its messages as examples, and an answer still to write. `faqbot check`
//! refuses an answer that starts with [`DRAFT_MARK`], so a draft cannot ship unreviewed.

use super::{Found, Gap};
use crate::faq::{Entry, Faq, DRAFT_MARK, QUESTION_MAX_CHARS};
use crate::import::{free_id, slug, to_toml};

/// Examples a draft carries at most: enough for the matcher to learn the gap's wordings.
const DRAFT_EXAMPLES: usize = 5;

/// One `[[entry]]` block per gap, each under a comment saying what it drafts; ids are free in
/// `faq` and among the drafts.
pub fn drafts(found: &Found, texts: &[&str], faq: &Faq) -> String {
    let mut taken: Vec<String> = faq
        .entries
        .iter()
        .flat_map(|e| std::iter::once(e.id.clone()).chain(e.aliases.iter().cloned()))
        .collect();
    let mut out = String::new();
    for gap in &found.gaps {
        let entry = draft(gap, texts, &taken);
        taken.push(entry.id.clone());
        out += &format!(
            "# Draft for the gap \"{}\" ({} messages).\n",
            gap.label,
            gap.members.len()
        );
        if let Some(closest) = &gap.closest {
            out += &format!(
                "# The matcher ranks `{}` first for it (confidence {:.2}): if that entry answers it, add these examples to it instead.\n",
                closest.id, closest.confidence
            );
        }
        let single = Faq {
            page: None,
            entries: vec![entry],
        };
        out += &to_toml(&single);
        out.push('\n');
    }
    out
}

fn draft(gap: &Gap, texts: &[&str], taken: &[String]) -> Entry {
    let id = free_id(&slug(&gap.label), |id| taken.iter().any(|t| t == id));
    let question = cut(texts[gap.central], QUESTION_MAX_CHARS);
    let examples = std::iter::once(gap.central)
        .chain(gap.more.iter().copied())
        .chain(gap.members.iter().copied())
        .fold(Vec::new(), |mut seen: Vec<usize>, i| {
            if !seen.contains(&i) {
                seen.push(i);
            }
            seen
        })
        .into_iter()
        .skip(1)
        .take(DRAFT_EXAMPLES)
        .map(|i| cut(texts[i], QUESTION_MAX_CHARS))
        .collect();
    Entry {
        id,
        question,
        answer: format!(
            "{DRAFT_MARK}: write the answer to what these members ask about ({}).",
            gap.label
        ),
        examples,
        ..Entry::default()
    }
}

/// `text` on one line, at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((at, _)) => line[..at].to_owned(),
        None => line,
    }
}
