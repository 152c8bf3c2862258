//! Draft entries for gaps, ready to review into `faq.toml`: the gap's most typical question as the
//! question, more of its questions as examples, the docs page the staff answered it with as the
//! link, and as the answer that page's text (when the docs tree is at hand) or an answer still to
//! write. `faqbot check` refuses an answer that starts with [`DRAFT_MARK`], so a draft cannot
//! ship unreviewed.

use super::{Closest, Gap};
use crate::faq::{Entry, Faq, DRAFT_MARK, QUESTION_MAX_CHARS};
use crate::import::{free_id, slug, to_toml};

/// Examples a draft carries at most: enough for the matcher to learn the gap's wordings.
const DRAFT_EXAMPLES: usize = 5;

/// What one draft is made of.
#[derive(Debug, Clone, Default)]
pub struct Wanted<'a> {
    /// What it drafts, for its comment: `the gap "…" (9 messages)`.
    pub about: String,
    /// The words its id is made from.
    pub name: String,
    /// Its questions, the most typical first.
    pub questions: Vec<&'a str>,
    /// The entry the matcher ranks first for them, when it is close.
    pub closest: Option<Closest>,
    /// The docs page that answers them.
    pub link: Option<String>,
    /// The importer's entry for that page, when the docs tree was given: its text is the answer.
    pub page: Option<Entry>,
}

/// A gap's questions for a draft: its central one, the next most central, then the rest.
pub fn questions<'a>(gap: &Gap, texts: &[&'a str]) -> Vec<&'a str> {
    let mut order: Vec<usize> = Vec::with_capacity(gap.members.len());
    for &i in std::iter::once(&gap.central)
        .chain(&gap.more)
        .chain(&gap.members)
    {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    order.into_iter().map(|i| texts[i]).collect()
}

/// One `[[entry]]` block per draft, each under comments saying what it drafts and what to check;
/// ids are free in `faq` and among the drafts.
pub fn drafts(wanted: &[Wanted<'_>], faq: &Faq) -> String {
    let mut taken: Vec<String> = faq
        .entries
        .iter()
        .flat_map(|e| std::iter::once(e.id.clone()).chain(e.aliases.iter().cloned()))
        .collect();
    let mut out = String::new();
    for wanted in wanted {
        let entry = draft(wanted, &taken);
        taken.push(entry.id.clone());
        out += &format!("# Draft for {}.\n", wanted.about);
        if let Some(closest) = &wanted.closest {
            out += &format!(
                "# The matcher ranks `{}` first for it (confidence {:.2}): if that entry answers it, add these examples to it instead.\n",
                closest.id, closest.confidence
            );
        }
        if wanted.page.is_some() {
            out += "# The answer is the docs page's text: check that it answers these questions.\n";
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

fn draft(wanted: &Wanted<'_>, taken: &[String]) -> Entry {
    let id = free_id(&slug(&wanted.name), |id| taken.iter().any(|t| t == id));
    let mut questions = wanted.questions.iter().map(|q| cut(q, QUESTION_MAX_CHARS));
    let question = questions.next().unwrap_or_default();
    let answer = match &wanted.page {
        Some(page) => page.answer.clone(),
        None => format!(
            "{DRAFT_MARK}: write the answer to what these members ask about ({}).",
            wanted.name
        ),
    };
    Entry {
        id,
        question,
        answer,
        link: wanted
            .page
            .as_ref()
            .and_then(|page| page.link.clone())
            .or_else(|| wanted.link.clone()),
        examples: questions.take(DRAFT_EXAMPLES).collect(),
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
