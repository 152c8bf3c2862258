//! The site generators' own syntax, turned into plain markdown before the page is parsed.
//!
//! Docusaurus and GitBook extend markdown with line-level blocks (`:::tip … :::`,
//! `{% hint %} … {% endhint %}`) and front matter. These are rewritten line by line, never inside
//! code (the parser says where code is), and every line keeps its number so that warnings point at
//! the page as written.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

/// The site generator a page was written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docusaurus,
    GitBook,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Docusaurus => "docusaurus",
            Format::GitBook => "gitbook",
        }
    }

    /// The format of a set of pages and why: GitBook's own markers (`{% … %}` tags, mention
    /// links, a SUMMARY.md at the docs root) make it GitBook, anything else Docusaurus.
    pub fn detect(pages: &[&str], has_summary: bool) -> (Format, &'static str) {
        if has_summary {
            return (Format::GitBook, "the docs root has a SUMMARY.md");
        }
        for page in pages {
            if page.contains("{% ") {
                return (Format::GitBook, "a page has {% … %} tags");
            }
            if page.contains("\"mention\")") {
                return (Format::GitBook, "a page has mention links");
            }
        }
        (Format::Docusaurus, "no GitBook syntax found")
    }
}

/// A page with its generator's syntax rewritten as markdown.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The same number of lines as the page.
    pub text: String,
    /// `title:` from the front matter.
    pub title: Option<String>,
    /// Problems, each with its 1-based line.
    pub warnings: Vec<(usize, String)>,
}

/// Byte ranges of code blocks and code spans.
pub fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => ranges.push(range),
            _ => {}
        }
    }
    ranges
}

/// Rewrites front matter and the format's block syntax.
pub fn prepare(format: Format, page: &str) -> Prepared {
    let page = page.strip_prefix('\u{feff}').unwrap_or(page);
    let code = code_ranges(page);
    let in_code = |offset: usize| code.iter().any(|r| r.contains(&offset));
    let mut prepared = Prepared {
        text: String::with_capacity(page.len() + 64),
        ..Prepared::default()
    };
    let mut front_matter = page.starts_with("---\n") || page.starts_with("---\r\n");
    // The indentation of the open `{% hint %}` block whose lines become a block quote.
    let mut quote: Option<String> = None;
    let mut offset = 0;
    for (index, line) in page.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let start = offset;
        offset += line.len();
        let ending = &line[line.trim_end_matches(['\n', '\r']).len()..];
        let content = line.trim_end();
        let out = &mut prepared.text;
        if front_matter {
            if index > 0 && content == "---" {
                front_matter = false;
            } else if let Some(title) = content.strip_prefix("title:") {
                let title = title.trim().trim_matches(['"', '\'']);
                prepared.title = Some(title.to_owned()).filter(|t| !t.is_empty());
            }
            out.push_str(ending);
            continue;
        }
        let trimmed = content.trim_start();
        let indent = &content[..content.len() - trimmed.len()];
        if in_code(start + indent.len()) {
            push_quoted(out, quote.as_deref(), line);
            continue;
        }
        let rewritten = match format {
            Format::GitBook => {
                gitbook_tag(trimmed, number, &mut quote, indent, &mut prepared.warnings)
            }
            Format::Docusaurus => admonition(trimmed),
        };
        match rewritten {
            Some(Rewrite::Line(text)) => {
                out.push_str(indent);
                out.push_str(&text);
                out.push_str(ending);
            }
            Some(Rewrite::Quoted(text)) => {
                push_quoted(out, quote.as_deref(), &format!("{indent}{text}{ending}"));
            }
            Some(Rewrite::Blank) => out.push_str(ending),
            None => push_quoted(out, quote.as_deref(), line),
        }
    }
    prepared
}

enum Rewrite {
    /// The line is replaced by this text.
    Line(String),
    /// The line is replaced by this text inside the open block quote.
    Quoted(String),
    /// The line becomes empty.
    Blank,
}

/// Writes `line` into the open block quote, if any: `> ` goes after the quote's indentation.
fn push_quoted(out: &mut String, quote: Option<&str>, line: &str) {
    let Some(indent) = quote else {
        out.push_str(line);
        return;
    };
    let rest = line.strip_prefix(indent).unwrap_or(line.trim_start());
    out.push_str(indent);
    if rest.trim().is_empty() {
        out.push('>');
        out.push_str(&rest[rest.trim_end_matches(['\n', '\r']).len()..]);
    } else {
        out.push_str("> ");
        out.push_str(rest);
    }
}

/// A GitBook `{% … %}` line: hints become block quotes (a label for warnings and dangers), tab
/// titles bold lines, embeds their URL, and the layout tags (code, stepper, tabs) nothing.
fn gitbook_tag(
    line: &str,
    number: usize,
    quote: &mut Option<String>,
    indent: &str,
    warnings: &mut Vec<(usize, String)>,
) -> Option<Rewrite> {
    let inner = line.strip_prefix("{%")?.strip_suffix("%}")?.trim();
    let name_len = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let (name, attrs) = (&inner[..name_len], &inner[name_len..]);
    Some(match name {
        "hint" => {
            *quote = Some(indent.to_owned());
            match super::html::attr(attrs, "style").as_deref() {
                Some("warning") => Rewrite::Quoted("**Warning:**".into()),
                Some("danger") => Rewrite::Quoted("**Important:**".into()),
                _ => Rewrite::Blank,
            }
        }
        "endhint" => {
            *quote = None;
            Rewrite::Blank
        }
        "tab" => match super::html::attr(attrs, "title") {
            Some(title) => Rewrite::Quoted(format!("**{}**", title.trim())),
            None => Rewrite::Blank,
        },
        "embed" => match super::html::attr(attrs, "url") {
            Some(url) => Rewrite::Quoted(format!("<{url}>")),
            None => Rewrite::Blank,
        },
        "code" | "endcode" | "stepper" | "endstepper" | "step" | "endstep" | "tabs" | "endtabs"
        | "endtab" | "endembed" | "content-ref" | "endcontent-ref" | "columns" | "endcolumns"
        | "column" | "endcolumn" | "updates" | "endupdates" => Rewrite::Blank,
        _ => {
            warnings.push((
                number,
                format!("the GitBook tag {{% {name} %}} was dropped"),
            ));
            Rewrite::Blank
        }
    })
}

/// A Docusaurus admonition line: `:::tip Title` becomes a bold label, the closing `:::` nothing.
fn admonition(line: &str) -> Option<Rewrite> {
    let rest = line.strip_prefix(":::")?;
    let mut words = rest.split_whitespace();
    let Some(kind) = words.next() else {
        return Some(Rewrite::Blank);
    };
    let title: Vec<&str> = words.collect();
    let label = if title.is_empty() {
        capitalise(kind)
    } else {
        title.join(" ")
    };
    Some(Rewrite::Line(format!("**{label}:**")))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_become_quotes_and_layout_tags_vanish_keeping_lines() {
        let page = "Intro\n\n{% hint style=\"warning\" %}\nCareful.\n\nReally.\n{% endhint %}\n\n{% code overflow=\"wrap\" %}\n```\n{% hint %}\n```\n{% endcode %}\n";
        let prepared = prepare(Format::GitBook, page);
        assert_eq!(
            prepared.text,
            "Intro\n\n> **Warning:**\n> Careful.\n>\n> Really.\n\n\n\n```\n{% hint %}\n```\n\n"
        );
        assert_eq!(prepared.text.lines().count(), page.lines().count());
        assert!(prepared.warnings.is_empty());
    }

    #[test]
    fn a_hint_inside_a_list_item_stays_in_it() {
        let page = "1. Step\n   {% hint style=\"info\" %}\n   Note.\n   {% endhint %}\n";
        let prepared = prepare(Format::GitBook, page);
        assert_eq!(prepared.text, "1. Step\n\n   > Note.\n\n");
    }

    #[test]
    fn unknown_tags_are_dropped_and_reported() {
        let prepared = prepare(Format::GitBook, "a\n{% swagger src=\"x\" %}\n");
        assert_eq!(prepared.text, "a\n\n");
        assert_eq!(
            prepared.warnings,
            [(2, "the GitBook tag {% swagger %} was dropped".to_owned())]
        );
    }

    #[test]
    fn front_matter_and_admonitions_of_docusaurus() {
        let page = "---\nid: faq\ntitle: \"The FAQ\"\n---\n:::tip Be quick\nNow.\n:::\n```\n:::note\n```\n";
        let prepared = prepare(Format::Docusaurus, page);
        assert_eq!(prepared.title.as_deref(), Some("The FAQ"));
        assert_eq!(
            prepared.text,
            "\n\n\n\n**Be quick:**\nNow.\n\n```\n:::note\n```\n"
        );
    }

    #[test]
    fn the_format_is_recognised() {
        assert_eq!(Format::detect(&["{% hint %}"], false).0, Format::GitBook);
        assert_eq!(
            Format::detect(&["[a](a.md \"mention\")"], false).0,
            Format::GitBook
        );
        assert_eq!(Format::detect(&["x"], true).0, Format::GitBook);
        assert_eq!(
            Format::detect(&[":::tip\n:::"], false).0,
            Format::Docusaurus
        );
    }
}
