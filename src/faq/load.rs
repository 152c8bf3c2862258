//! Parsing and validating `faq.toml`.
//!
//! The file is walked as toml's spanned tree rather than deserialized with serde, so that one pass
//! finds every problem (unknown keys included) and can say where each one is.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{is_web_url, Entry, Faq};
use crate::location::{Lines, Problem};

/// Longest id or alias; also what Discord allows for an autocomplete value.
pub const ID_MAX_CHARS: usize = 64;
/// Longest question: it becomes an embed title (Discord allows 256).
pub const QUESTION_MAX_CHARS: usize = 256;
/// How a draft's unwritten text starts (`faqbot gaps --draft`); such a text is refused.
pub const DRAFT_MARK: &str = "TODO";

/// Longest answer: it becomes an embed description (Discord allows 4096).
pub const ANSWER_MAX_CHARS: usize = 4000;

const TOP_KEYS: &[&str] = &["faq", "entry"];
const FAQ_KEYS: &[&str] = &["page"];
const ENTRY_KEYS: &[&str] = &[
    "id",
    "question",
    "answer",
    "link",
    "aliases",
    "keywords",
    "examples",
    "old_links",
];

/// Collects problems for one file.
struct Checker<'a> {
    path: &'a str,
    text: &'a str,
    /// Each problem's position is found from this index: a file with thousands of problems is
    /// still reported at once.
    lines: Lines<'a>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.problems
            .push(Problem::in_lines(self.path, &self.lines, span, message));
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, known: &[&str], what: &str) {
        for key in table.keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                let expected = known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report(
                    key.span(),
                    format!(
                        "unknown key `{}` in {what} (expected one of {expected})",
                        key.get_ref()
                    ),
                );
            }
        }
    }

    fn string(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.report(
                    value.span(),
                    format!("`{key}` must be a string, not {}", other.type_str()),
                );
                None
            }
        }
    }

    fn strings(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Vec<Spanned<String>> {
        let Some(array) = value.get_ref().as_array() else {
            self.report(
                value.span(),
                format!(
                    "`{key}` must be an array of strings such as [\"...\"], not {}",
                    value.get_ref().type_str()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in array.iter() {
            if let Some(s) = self.string(item, key) {
                if s.trim().is_empty() {
                    self.report(item.span(), format!("empty string in `{key}`"));
                } else {
                    out.push(Spanned::new(item.span(), s));
                }
            }
        }
        out
    }

    fn url(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
        let url = self.string(value, key)?;
        if is_web_url(&url) {
            Some(url)
        } else {
            self.report(
                value.span(),
                format!("`{key}` must be an absolute http(s) URL such as \"https://example.org/docs/\", not {url:?}"),
            );
            None
        }
    }

    fn name(&mut self, span: Range<usize>, name: &str, what: &str) -> bool {
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let length = name.chars().count();
        if length == 0 || length > ID_MAX_CHARS || !valid_chars {
            self.report(
                span,
                format!(
                    "{what} {name:?} must be 1-{ID_MAX_CHARS} lowercase letters, digits or '-'"
                ),
            );
            return false;
        }
        true
    }

    fn text_field(
        &mut self,
        table: &DeTable<'_>,
        table_span: Range<usize>,
        key: &str,
        max: usize,
    ) -> String {
        let Some(value) = table.get(key) else {
            self.report(table_span, format!("entry has no `{key}`"));
            return String::new();
        };
        let Some(text) = self.string(value, key) else {
            return String::new();
        };
        let length = text.chars().count();
        if text.trim().is_empty() {
            self.report(value.span(), format!("`{key}` is empty"));
        } else if text.trim_start().starts_with(DRAFT_MARK) {
            // A draft of `faqbot gaps` cannot ship before someone writes its answer.
            self.report(
                value.span(),
                format!("`{key}` still starts with {DRAFT_MARK}: write it (a draft from `faqbot gaps`), then check again"),
            );
        } else if length > max {
            self.report(
                value.span(),
                format!(
                    "`{key}` is {length} characters long; at most {max} fit in a Discord message"
                ),
            );
        }
        text
    }
}

pub(super) fn parse(text: &str, path: &str) -> Result<Faq, Vec<Problem>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    let lines = Lines::new(text);
    let mut checker = Checker {
        path,
        text,
        problems: errors
            .iter()
            .map(|e| Problem::from_toml_in(path, &lines, e))
            .collect(),
        lines,
    };
    if !checker.problems.is_empty() {
        // The tree after a syntax error is a guess; checking it would only add confusing noise.
        return Err(checker.problems);
    }
    let root = root.get_ref();
    checker.unknown_keys(root, TOP_KEYS, "the file");

    let mut faq = Faq::default();
    if let Some(section) = root.get("faq") {
        match section.get_ref().as_table() {
            Some(table) => {
                checker.unknown_keys(table, FAQ_KEYS, "[faq]");
                faq.page = table.get("page").and_then(|v| checker.url(v, "page"));
            }
            None => checker.report(section.span(), "`faq` must be a table: write [faq]"),
        }
    }

    // Where each id and alias was first seen, for duplicate reports.
    let mut names: HashMap<String, usize> = HashMap::new();
    match root.get("entry") {
        None => checker.report(0..0, "no entries: add at least one [[entry]] table"),
        Some(value) => match value.get_ref().as_array() {
            None => checker.report(
                value.span(),
                "`entry` must be an array of tables: write [[entry]]",
            ),
            Some(array) => {
                for item in array.iter() {
                    let Some(table) = item.get_ref().as_table() else {
                        checker.report(item.span(), "each entry must be a table: write [[entry]]");
                        continue;
                    };
                    let entry = entry(&mut checker, table, item.span(), &mut names);
                    faq.entries.push(entry);
                }
            }
        },
    }

    for entry in &mut faq.entries {
        if entry.link.is_none() {
            entry.link = faq.page.as_ref().map(|page| format!("{page}#{}", entry.id));
        }
    }

    if checker.problems.is_empty() {
        Ok(faq)
    } else {
        checker.problems.sort_by_key(|p| p.position);
        Err(checker.problems)
    }
}

fn entry(
    checker: &mut Checker<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
    names: &mut HashMap<String, usize>,
) -> Entry {
    checker.unknown_keys(table, ENTRY_KEYS, "[[entry]]");
    let mut entry = Entry::default();

    let mut claim = |checker: &mut Checker<'_>, name: &str, span: Range<usize>, what: &str| {
        if let Some(&first) = names.get(name) {
            let first = crate::location::Position::of(checker.text, first);
            checker.report(
                span,
                format!(
                    "duplicate {what} `{name}`: already used at line {}",
                    first.line
                ),
            );
        } else {
            names.insert(name.to_owned(), span.start);
        }
    };

    match table.get("id") {
        None => checker.report(span.clone(), "entry has no `id`"),
        Some(value) => {
            if let Some(id) = checker.string(value, "id") {
                if checker.name(value.span(), &id, "id") {
                    claim(checker, &id, value.span(), "id or alias");
                }
                entry.id = id;
            }
        }
    }
    entry.question = checker.text_field(table, span.clone(), "question", QUESTION_MAX_CHARS);
    entry.answer = checker.text_field(table, span, "answer", ANSWER_MAX_CHARS);
    entry.link = table.get("link").and_then(|v| checker.url(v, "link"));
    if let Some(value) = table.get("aliases") {
        for alias in checker.strings(value, "aliases") {
            let (alias_span, alias) = (alias.span(), alias.into_inner());
            if checker.name(alias_span.clone(), &alias, "alias") {
                claim(checker, &alias, alias_span, "id or alias");
            }
            entry.aliases.push(alias);
        }
    }
    let mut list = |key: &str| match table.get(key) {
        Some(value) => checker
            .strings(value, key)
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        None => Vec::new(),
    };
    entry.keywords = list("keywords");
    entry.examples = list("examples");
    entry.old_links = list("old_links");
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse(text, "faq.toml")
            .expect_err("the text should be invalid")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GOOD: &str = r#"
[faq]
page = "https://cipp.app/docs/general/faq/"

[[entry]]
id = "500-error"
question = "I'm getting a 500 error"
answer = "It is a server error."
aliases = ["500"]
keywords = ["internal server error"]

[[entry]]
id = "cost"
question = "How much does it cost?"
answer = "About $20."
link = "https://cipp.app/pricing"
examples = ["how much is it per month"]
"#;

    #[test]
    fn a_text_still_marked_as_a_draft_is_refused() {
        let found =
            problems("[[entry]]\nid = \"a\"\nquestion = \"q\"\nanswer = \"TODO: say how\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("faq.toml:4:10: `answer` still starts with TODO"),
            "{found:?}"
        );
    }

    #[test]
    fn a_valid_file_loads_with_default_links() {
        let faq = parse(GOOD, "faq.toml").unwrap();
        assert_eq!(faq.entries.len(), 2);
        assert_eq!(
            faq.entries[0].link.as_deref(),
            Some("https://cipp.app/docs/general/faq/#500-error")
        );
        assert_eq!(
            faq.entries[1].link.as_deref(),
            Some("https://cipp.app/pricing")
        );
        assert_eq!(faq.entries[0].aliases, ["500"]);
        assert_eq!(faq.entries[1].examples, ["how much is it per month"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = r#"[[entry]]
id = "Bad Id"
question = ""
answer = "x"
colour = "red"

[[entry]]
id = "dup"
question = "q"
answer = "a"
link = "/relative"

[[entry]]
id = "other"
aliases = ["dup"]
question = "q"
answer = "a"
"#;
        let found = problems(text);
        assert_eq!(
            found,
            [
                "faq.toml:2:6: id \"Bad Id\" must be 1-64 lowercase letters, digits or '-'",
                "faq.toml:3:12: `question` is empty",
                "faq.toml:5:1: unknown key `colour` in [[entry]] (expected one of `id`, `question`, `answer`, `link`, `aliases`, `keywords`, `examples`, `old_links`)",
                "faq.toml:11:8: `link` must be an absolute http(s) URL such as \"https://example.org/docs/\", not \"/relative\"",
                "faq.toml:15:12: duplicate id or alias `dup`: already used at line 8",
            ]
        );
    }

    #[test]
    fn missing_fields_and_long_texts() {
        let long = "x".repeat(ANSWER_MAX_CHARS + 1);
        let text = format!("[[entry]]\nid = \"a\"\nanswer = \"{long}\"\n");
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("faq.toml:1:1: entry has no `question`"));
        assert!(found[1].contains("`answer` is 4001 characters long; at most 4000"));
    }

    #[test]
    fn syntax_errors_are_one_line_with_a_position() {
        let found = problems("[[entry]]\nid = \"a\nquestion = \"q\"\n");
        assert!(!found.is_empty());
        assert!(found[0].starts_with("faq.toml:2:"), "{found:?}");
        assert!(found.iter().all(|p| !p.contains('\n')));
    }

    #[test]
    fn wrong_types_and_empty_files() {
        assert_eq!(
            problems(""),
            ["faq.toml:1:1: no entries: add at least one [[entry]] table"]
        );
        let found =
            problems("[[entry]]\nid = 5\nquestion = \"q\"\nanswer = \"a\"\nexamples = \"one\"\n");
        assert_eq!(
            found,
            [
                "faq.toml:2:6: `id` must be a string, not integer",
                "faq.toml:5:12: `examples` must be an array of strings such as [\"...\"], not string",
            ]
        );
    }
}
