//! The structure of a docs page: its title, its top-level `<details>` blocks and its sections.
//!
//! Found from the parser's events, so that a `<details>` or a heading inside code is not taken for
//! one. A `<details>` nested in another, or a heading inside a `<details>`, belongs to its block.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::html::{self, Piece};
use super::markdown;

#[derive(Debug, Default)]
pub struct Outline {
    /// The first `#` heading's text, and where the text after it starts.
    pub title: Option<(String, usize)>,
    /// The `<details>` blocks not inside another one.
    pub details: Vec<Details>,
    /// The `##`…`######` headings outside `<details>` blocks.
    pub headings: Vec<Heading>,
    /// Problems, each with its byte offset.
    pub warnings: Vec<(usize, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub start: usize,
    /// The summary's inner text, when the block has one.
    pub summary: Option<Range<usize>>,
    /// What follows the summary, up to `</details>`.
    pub body: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// The whole heading line.
    pub range: Range<usize>,
    pub text: String,
    /// `{#id}`, when written.
    pub id: Option<String>,
}

/// A `<details>` block being read.
struct Open {
    start: usize,
    summary_start: Option<usize>,
    summary: Option<Range<usize>>,
    /// Just after `</summary>`.
    body_start: Option<usize>,
}

pub fn outline(text: &str) -> Outline {
    let mut outline = Outline::default();
    let mut depth = 0usize;
    let mut open: Option<Open> = None;
    let mut heading: Option<Heading> = None;
    for (event, range) in Parser::new_ext(text, markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) | Event::InlineHtml(_) => {
                for (piece_range, piece) in html::pieces(&text[range.clone()]) {
                    let at = range.start + piece_range.start..range.start + piece_range.end;
                    tag(&mut outline, &mut depth, &mut open, at, &piece);
                }
            }
            Event::Start(Tag::Heading { level, id, .. }) if depth == 0 => {
                heading = Some(Heading {
                    level: heading_level(level),
                    range,
                    text: String::new(),
                    id: id.map(|id| id.into_string()),
                });
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(heading) = &mut heading {
                    heading.text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut done) = heading.take() {
                    done.text = done.text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if done.level == 1 {
                        if outline.title.is_none() {
                            outline.title = Some((done.text, done.range.end));
                        }
                    } else {
                        outline.headings.push(done);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(block) = open {
        outline.warnings.push((
            block.start,
            "a <details> block has no closing </details>; it was read to the end of the page"
                .into(),
        ));
        close(&mut outline, block, text.len());
    }
    outline
}

fn tag(
    outline: &mut Outline,
    depth: &mut usize,
    open: &mut Option<Open>,
    at: Range<usize>,
    piece: &Piece<'_>,
) {
    match piece {
        Piece::Open { name, .. } if name == "details" => {
            if *depth == 0 {
                *open = Some(Open {
                    start: at.start,
                    summary_start: None,
                    summary: None,
                    body_start: None,
                });
            }
            *depth += 1;
        }
        Piece::Open { name, .. } if name == "summary" && *depth == 1 => {
            if let Some(block) = open.as_mut().filter(|b| b.summary_start.is_none()) {
                block.summary_start = Some(at.end);
            }
        }
        Piece::Close { name } if name == "summary" && *depth == 1 => {
            if let Some(block) = open.as_mut().filter(|b| b.summary.is_none()) {
                if let Some(start) = block.summary_start {
                    block.summary = Some(start..at.start);
                    block.body_start = Some(at.end);
                }
            }
        }
        Piece::Close { name } if name == "details" => {
            if *depth == 0 {
                outline.warnings.push((
                    at.start,
                    "a </details> closes no <details>; it was ignored".into(),
                ));
                return;
            }
            *depth -= 1;
            if *depth == 0 {
                if let Some(block) = open.take() {
                    close(outline, block, at.start);
                }
            }
        }
        _ => {}
    }
}

fn close(outline: &mut Outline, block: Open, end: usize) {
    let body_start = block.body_start.unwrap_or(block.start).min(end);
    outline.details.push(Details {
        start: block.start,
        summary: block.summary,
        body: body_start..end,
    });
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_nested_and_stray_closings() {
        let page = "# Title\n\nIntro.\n\n<details>\n\n<summary>One <strong>x</strong></summary>\n\nA\n\n<details><summary>Inner</summary>B</details>\n\n</details>\n\n</details>\n\n```\n<details>\n```\n";
        let outline = outline(page);
        assert_eq!(outline.title.as_ref().map(|t| t.0.as_str()), Some("Title"));
        assert_eq!(outline.details.len(), 1);
        let block = &outline.details[0];
        assert_eq!(
            &page[block.summary.clone().unwrap()],
            "One <strong>x</strong>"
        );
        assert!(page[block.body.clone()].contains("<summary>Inner</summary>B</details>"));
        assert!(page[block.body.clone()].trim_start().starts_with('A'));
        assert_eq!(outline.warnings.len(), 1);
        assert!(outline.warnings[0].1.contains("closes no <details>"));
    }

    #[test]
    fn headings_inside_details_are_not_sections() {
        let page = "# T\n\n### One {#one}\n\n<details><summary>S</summary>\n\n#### Inside\n\n</details>\n\n### _Two_\n";
        let outline = outline(page);
        let texts: Vec<(&str, u8)> = outline
            .headings
            .iter()
            .map(|h| (h.text.as_str(), h.level))
            .collect();
        assert_eq!(texts, [("One", 3), ("Two", 3)]);
        assert_eq!(outline.headings[0].id.as_deref(), Some("one"));
    }

    #[test]
    fn an_unclosed_block_runs_to_the_end() {
        let outline = outline("<details><summary>Q</summary>\n\nAnswer.\n");
        assert_eq!(outline.details.len(), 1);
        assert!(outline.warnings[0].1.contains("no closing"));
    }
}
