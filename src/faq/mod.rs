//! The FAQ model: entries loaded from a reviewed `faq.toml`.
//!
//! This module knows nothing of matching or Discord. [`Faq::load`] reads and validates a file and
//! reports every problem with its position (`load` holds the rules).

mod load;

use std::path::Path;

use crate::location::Problem;

pub use load::{ANSWER_MAX_CHARS, DRAFT_MARK, ID_MAX_CHARS, QUESTION_MAX_CHARS};

/// A whole FAQ: the optional documentation page and the entries, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Faq {
    /// The page the FAQ comes from; an entry without `link` links to `page#id`.
    pub page: Option<String>,
    pub entries: Vec<Entry>,
}

/// One question with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// Lowercase letters, digits and `-`; unique among ids and aliases.
    pub id: String,
    pub question: String,
    /// Discord markdown.
    pub answer: String,
    /// The entry's own `link`, or else `page#id`, or else none.
    pub link: Option<String>,
    /// Other names that `/faq NAME` accepts.
    pub aliases: Vec<String>,
    /// Phrases that strongly indicate this entry.
    pub keywords: Vec<String>,
    /// Messages users wrote that this entry answers.
    pub examples: Vec<String>,
    /// Earlier addresses of the entry's documentation (an import that moved its link keeps the
    /// old one here): links to them in a channel's history count as links to the entry.
    pub old_links: Vec<String>,
}

/// Why a FAQ file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read FAQ file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    /// The file was read but is not a valid FAQ; every problem found, in file order.
    #[error("{}", problems(.0))]
    Invalid(Vec<Problem>),
}

/// Every problem, one a line, in file order.
fn problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Faq {
    /// Reads and validates a FAQ file.
    pub fn load(path: impl AsRef<Path>) -> Result<Faq, LoadError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
            path: name.clone(),
            error,
        })?;
        Faq::parse(&text, &name).map_err(LoadError::Invalid)
    }

    /// Validates FAQ text; `path` only names the source in problems.
    pub fn parse(text: &str, path: &str) -> Result<Faq, Vec<Problem>> {
        load::parse(text, path)
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entry with this id or alias (ids and aliases are lowercase).
    pub fn resolve(&self, name: &str) -> Option<&Entry> {
        let name = name.trim().to_lowercase();
        self.get(&name)
            .or_else(|| self.entries.iter().find(|e| e.aliases.contains(&name)))
    }
}

/// `true` for an absolute http(s) URL with a host and no white space.
pub fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && !host.starts_with('.')
                && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls() {
        assert!(is_web_url("https://cipp.app/docs/general/faq/#cost"));
        assert!(is_web_url("http://localhost:8080"));
        assert!(!is_web_url("/docs/general/faq"));
        assert!(!is_web_url("ftp://cipp.app"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("https://cipp .app"));
    }

    #[test]
    fn resolve_accepts_ids_and_aliases_in_any_case() {
        let faq = Faq {
            page: None,
            entries: vec![Entry {
                id: "500-error".into(),
                aliases: vec!["500".into()],
                ..Entry::default()
            }],
        };
        assert_eq!(faq.resolve("500-ERROR").unwrap().id, "500-error");
        assert_eq!(faq.resolve(" 500 ").unwrap().id, "500-error");
        assert!(faq.resolve("400").is_none());
    }
}
