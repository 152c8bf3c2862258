//! Docs markdown rewritten as the markdown Discord shows.
//!
//! The page is parsed (pulldown-cmark) and written back: code exactly as written, links absolute,
//! headings and `<summary>` lines as bold lines, lists renumbered and tight, HTML reduced to its
//! words (images and figures dropped), and only the characters Discord would read as markup
//! escaped. GitBook's over-escaping (`invalid\_grant`) is undone by the parser.

mod escape;
#[cfg(test)]
mod tests;
mod writer;

use writer::Writer;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::html::{self, Piece};

/// The parser's options for docs pages (also used to find structure, so both agree).
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What a link becomes: its absolute URL, and the text to show instead of the written one (a
/// GitBook mention shows the target's title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub url: String,
    pub label: Option<String>,
}

/// Resolves a link's destination and title attribute.
pub type LinkFn<'a> = dyn Fn(&str, &str) -> Resolved + 'a;

/// `markdown` as Discord markdown.
pub fn discord(markdown: &str, links: &LinkFn<'_>) -> String {
    let mut writer = Writer::new(links);
    let mut html_block: Option<String> = None;
    for event in Parser::new_ext(markdown, options()) {
        match (&mut html_block, event) {
            (Some(block), Event::Html(text)) => block.push_str(&text),
            (Some(_), Event::End(TagEnd::HtmlBlock)) => {
                let block = html_block.take().unwrap_or_default();
                writer.flush();
                writer.html(&block, true);
            }
            (_, Event::Start(Tag::HtmlBlock)) => html_block = Some(String::new()),
            (_, event) => writer.event(event),
        }
    }
    writer.flush();
    tidy(&writer.out)
}

/// The text of a question written in markdown or HTML, markup removed, and the `{#id}` of its
/// heading if it has one.
pub fn plain(markdown: &str) -> (String, Option<String>) {
    let mut text = String::new();
    let mut id = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading {
                id: Some(heading_id),
                ..
            }) if id.is_none() => {
                id = Some(heading_id.into_string());
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::Html(t) => {
                for (_, piece) in html::pieces(&t) {
                    if let Piece::Text(t) = piece {
                        text.push_str(&html::decode_entities(t));
                    }
                }
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::HtmlBlock) => {
                text.push(' ')
            }
            _ => {}
        }
    }
    let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // `{#id}` after a question that is not a heading.
    if id.is_none() && text.ends_with('}') {
        if let Some(open) = text.rfind("{#") {
            let anchor = text[open + 2..text.len() - 1].trim().to_owned();
            if !anchor.is_empty() && !anchor.contains(' ') {
                id = Some(anchor);
                text = text[..open].trim_end().to_owned();
            }
        }
    }
    (text, id)
}

/// Trailing spaces off every line, at most one blank line in a row, none at either end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}
