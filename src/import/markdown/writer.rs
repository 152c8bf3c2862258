//! The writer behind [`discord`](super::discord): pulldown-cmark's events back to markdown, one
//! state machine over blocks, lists, links and inline HTML.

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Tag, TagEnd};

use super::escape::{escape, escape_into, indent, is_marker, longest_run, SKIPPED};
use super::LinkFn;
use crate::import::html::{self, Piece};

/// A link being written.
struct OpenLink {
    url: String,
    /// Shown instead of the link's own text.
    label: Option<String>,
    /// Where the link's text starts in the output, to tell an empty one.
    text_start: usize,
    /// `<https://…>`: the URL is the text.
    bare: bool,
}

pub(super) struct Writer<'l> {
    pub(super) out: String,
    links: &'l LinkFn<'l>,
    /// What each open container puts at the start of a line (`> `, a list item's indentation).
    prefixes: Vec<&'static str>,
    /// The marker of a list item whose first line is not written yet.
    marker: Option<String>,
    /// Line breaks owed before the next text: 1 ends a line, 2 leaves a blank line.
    breaks: usize,
    /// The next number of each open list (`None` for bullets).
    lists: Vec<Option<u64>>,
    quotes: usize,
    items: usize,
    heading: bool,
    code_block: bool,
    link: Vec<OpenLink>,
    images: usize,
    /// `<summary>`'s bold opened at this output length and not closed yet.
    summary: Option<usize>,
    table_cell: usize,
    /// Text not written yet: the parser splits text at escapes, and whether an `_` needs escaping
    /// depends on the whole run.
    text: String,
}

impl<'l> Writer<'l> {
    pub(super) fn new(links: &'l LinkFn<'l>) -> Self {
        Writer {
            out: String::new(),
            links,
            prefixes: Vec::new(),
            marker: None,
            breaks: 0,
            lists: Vec::new(),
            quotes: 0,
            items: 0,
            heading: false,
            code_block: false,
            link: Vec::new(),
            images: 0,
            summary: None,
            table_cell: 0,
            text: String::new(),
        }
    }

    /// Ends the current block: a blank line follows, except inside lists and quotes, which Discord
    /// shows best tight.
    fn end_block(&mut self) {
        let gap = if self.items > 0 || self.quotes > 0 {
            1
        } else {
            2
        };
        self.breaks = self.breaks.max(gap);
    }

    fn line_break(&mut self) {
        self.breaks = self.breaks.max(1);
    }

    /// Pays the owed line breaks and writes the line's prefixes.
    fn start_text(&mut self) {
        if self.breaks == 0 && self.marker.is_none() {
            return;
        }
        if !self.out.is_empty() {
            for _ in 0..self.breaks.max(1) {
                self.out.push('\n');
            }
        }
        self.breaks = 0;
        match self.marker.take() {
            Some(marker) => {
                let outer = self.prefixes.len().saturating_sub(1);
                for prefix in &self.prefixes[..outer] {
                    self.out.push_str(prefix);
                }
                self.out.push_str(&marker);
            }
            None => {
                for prefix in &self.prefixes {
                    self.out.push_str(prefix);
                }
            }
        }
    }

    /// Inside an image, or a link whose text is replaced by its title or address.
    fn hidden(&self) -> bool {
        self.images > 0
            || self
                .link
                .last()
                .is_some_and(|l| l.label.is_some() || l.bare)
    }

    fn raw(&mut self, text: &str) {
        if self.hidden() {
            return;
        }
        self.start_text();
        self.out.push_str(text);
    }

    fn text(&mut self, text: &str) {
        if self.hidden() {
            return;
        }
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.line_break();
            }
            if line.is_empty() {
                continue;
            }
            self.start_text();
            let line_start =
                self.out.is_empty() || self.out.ends_with(['\n', ' ']) && self.at_line_start();
            escape_into(&mut self.out, line, line_start);
        }
    }

    /// Whether nothing but prefixes is on the current line.
    fn at_line_start(&self) -> bool {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().all(|c| c == ' ' || c == '>') || is_marker(line)
    }

    pub(super) fn flush(&mut self) {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.text(&text);
        }
    }

    pub(super) fn event(&mut self, event: Event<'_>) {
        if let Event::Text(text) = &event {
            if !self.code_block {
                self.text.push_str(text);
                return;
            }
        }
        self.flush();
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_block => {
                for (i, line) in text.trim_end_matches('\n').split('\n').enumerate() {
                    if i > 0 || !self.out.ends_with('\n') {
                        self.out.push('\n');
                    }
                    for prefix in &self.prefixes {
                        self.out.push_str(prefix);
                    }
                    self.out.push_str(line);
                }
            }
            Event::Code(code) => {
                let fence = "`".repeat(longest_run(&code, '`') + 1);
                let pad = if code.starts_with('`') || code.ends_with('`') {
                    " "
                } else {
                    ""
                };
                self.raw(&format!("{fence}{pad}{code}{pad}{fence}"));
            }
            Event::InlineHtml(tag) | Event::Html(tag) => self.html(&tag, false),
            Event::SoftBreak | Event::HardBreak => self.line_break(),
            Event::Rule => self.end_block(),
            _ => {}
        }
    }

    /// A tag opens: one arm per kind of markdown block or span.
    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {}
            Tag::Heading { .. } => self.start_heading(),
            Tag::BlockQuote(_) => {
                self.end_block();
                self.quotes += 1;
                self.prefixes.push("> ");
            }
            Tag::CodeBlock(kind) => self.start_code_block(kind),
            Tag::List(start) => {
                if self.items > 0 {
                    self.line_break();
                } else {
                    self.end_block();
                }
                self.lists.push(start);
            }
            Tag::Item => self.start_item(),
            Tag::Emphasis if !self.plain_line() => self.raw("_"),
            Tag::Strong if !self.plain_line() => self.raw("**"),
            Tag::Strikethrough => self.raw("~~"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => self.start_link(link_type, &dest_url, &title),
            Tag::Image { .. } => self.images += 1,
            Tag::Table(_) | Tag::TableHead | Tag::TableRow => {
                self.line_break();
                self.table_cell = 0;
            }
            Tag::TableCell => {
                if self.table_cell > 0 {
                    self.raw(" | ");
                }
                self.table_cell += 1;
            }
            _ => {}
        }
    }

    /// A heading becomes a bold line of its own.
    fn start_heading(&mut self) {
        if let Some(start) = self.summary.take() {
            // A summary holding a heading: the heading's bold is the summary's.
            if self.out.len() == start + 2 {
                self.out.truncate(start);
            } else {
                self.out.push_str("**");
                self.end_block();
            }
        }
        self.end_block();
        self.raw("**");
        self.heading = true;
    }

    fn start_code_block(&mut self, kind: CodeBlockKind<'_>) {
        self.end_block();
        let language = match kind {
            CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_owned(),
            CodeBlockKind::Indented => String::new(),
        };
        self.raw(&format!("```{language}"));
        self.code_block = true;
    }

    /// A list item: its marker, numbered in an ordered list, and its lines indented under it.
    fn start_item(&mut self) {
        self.line_break();
        let marker = match self.lists.last_mut() {
            Some(Some(number)) => {
                let marker = format!("{number}. ");
                *number += 1;
                marker
            }
            _ => "- ".to_owned(),
        };
        self.prefixes.push(indent(marker.len()));
        self.marker = Some(marker);
        self.items += 1;
    }

    fn start_link(&mut self, link_type: LinkType, dest_url: &str, title: &str) {
        let resolved = (self.links)(dest_url, title);
        let bare = matches!(link_type, LinkType::Autolink | LinkType::Email);
        if !bare && resolved.label.is_none() {
            self.raw("[");
        }
        self.link.push(OpenLink {
            url: resolved.url,
            label: resolved.label,
            text_start: self.out.len(),
            bare,
        });
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.end_block(),
            TagEnd::Heading(_) => {
                self.heading = false;
                self.close_bold();
                self.end_block();
            }
            TagEnd::BlockQuote(_) => {
                self.quotes -= 1;
                self.prefixes.pop();
                self.end_block();
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.out.push('\n');
                for prefix in &self.prefixes {
                    self.out.push_str(prefix);
                }
                self.out.push_str("```");
                self.end_block();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.end_block();
            }
            TagEnd::Item => {
                self.items -= 1;
                self.prefixes.pop();
                self.marker = None;
                self.line_break();
            }
            TagEnd::Emphasis if !self.plain_line() => self.raw("_"),
            TagEnd::Strong if !self.plain_line() => self.raw("**"),
            TagEnd::Strikethrough => self.raw("~~"),
            TagEnd::Link => {
                let Some(link) = self.link.pop() else { return };
                let url = link.url.replace(')', "%29").replace(' ', "%20");
                if link.bare {
                    self.raw(&link.url);
                } else if let Some(label) = link.label {
                    self.raw(&format!("[{}]({url})", escape(&label)));
                } else if self.out.len() == link.text_start && self.out.ends_with('[') {
                    // A link without text: show the address.
                    self.out.pop();
                    self.raw(&link.url);
                } else {
                    self.raw(&format!("]({url})"));
                }
            }
            TagEnd::Image => self.images = self.images.saturating_sub(1),
            TagEnd::Table | TagEnd::TableHead => self.end_block(),
            TagEnd::TableRow => self.line_break(),
            _ => {}
        }
    }

    /// Inside a bold line (a heading or a summary), where emphasis would only add asterisks.
    fn plain_line(&self) -> bool {
        self.heading || self.summary.is_some()
    }

    /// Closes a bold line, or removes its opening when nothing followed it.
    fn close_bold(&mut self) {
        let text_end = self.out.trim_end_matches(' ').len();
        self.out.truncate(text_end);
        if self.out.ends_with("**") && !self.out.ends_with("\\**") {
            let trimmed = self.out.len() - 2;
            if self.out[..trimmed].ends_with(['\n', ' ']) || trimmed == 0 {
                self.out.truncate(trimmed);
                return;
            }
        }
        self.raw("**");
    }

    /// HTML: `<summary>` as a bold line, `<details>`, `<p>` and `<div>` as block breaks, `<br>` as
    /// a line break, `<a>` as a link, bold and italics kept; images, figures and comments dropped.
    pub(super) fn html(&mut self, fragment: &str, block: bool) {
        let mut skipping = 0usize;
        for (_, piece) in html::pieces(fragment) {
            match piece {
                Piece::Open { name, .. } if SKIPPED.contains(&name.as_str()) => skipping += 1,
                Piece::Close { name } if SKIPPED.contains(&name.as_str()) => {
                    skipping = skipping.saturating_sub(1)
                }
                _ if skipping > 0 => {}
                Piece::Comment => {}
                Piece::Text(text) => {
                    let text = html::decode_entities(text);
                    if text.trim().is_empty() {
                        if !block && !text.is_empty() {
                            self.raw(" ");
                        }
                        continue;
                    }
                    // Runs of white space are one space, as a browser shows them.
                    let mut spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if text.starts_with(char::is_whitespace) && !self.at_line_start() {
                        spaced.insert(0, ' ');
                    }
                    if text.ends_with(char::is_whitespace) {
                        spaced.push(' ');
                    }
                    self.text(&spaced);
                }
                Piece::Open { name, attrs } => match name.as_str() {
                    "summary" => {
                        self.end_block();
                        self.raw("**");
                        self.summary = Some(self.out.len() - 2);
                    }
                    "details" | "p" | "div" | "hr" | "table" | "tr" => self.end_block(),
                    "br" => self.line_break(),
                    "strong" | "b" | "em" | "i" if self.plain_line() => {}
                    "strong" | "b" => self.raw("**"),
                    "em" | "i" => self.raw("_"),
                    "code" => self.raw("`"),
                    "s" | "del" => self.raw("~~"),
                    "li" => {
                        self.line_break();
                        self.raw("- ");
                    }
                    "a" => {
                        let href = html::attr(attrs, "href").unwrap_or_default();
                        let resolved = (self.links)(&href, "");
                        self.raw("[");
                        self.link.push(OpenLink {
                            url: resolved.url,
                            label: None,
                            text_start: self.out.len(),
                            bare: false,
                        });
                    }
                    _ => {}
                },
                Piece::Close { name } => match name.as_str() {
                    "summary" => {
                        if self.summary.take().is_some() {
                            self.close_bold();
                        }
                        self.end_block();
                    }
                    "details" | "p" | "div" | "table" | "tr" => self.end_block(),
                    "strong" | "b" | "em" | "i" if self.plain_line() => {}
                    "strong" | "b" => self.raw("**"),
                    "em" | "i" => self.raw("_"),
                    "code" => self.raw("`"),
                    "s" | "del" => self.raw("~~"),
                    "a" => self.end(TagEnd::Link),
                    _ => {}
                },
            }
        }
    }
}
