//! Converting docs pages into `faq.toml`.
//!
//! Reads Docusaurus and GitBook markdown. A page of top-level `<details><summary>` blocks gives an
//! entry per block; a page of sections an entry per `##` or `###` section; a page whose title is a
//! question, or that has neither, one entry. Answers become the markdown Discord shows (see
//! `markdown`), links absolute on the site (see [`site`]), and each entry links to its page and,
//! where the site makes one, the heading's anchor. [`merge`] folds an import into a curated file.

mod fit;
pub mod html;
mod ids;
mod links;
mod markdown;
pub mod merge;
mod outline;
mod page_entry;
pub mod site;
pub mod syntax;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) use ids::free_id;
pub use ids::{anchor, slug};
pub use links::{check_links, LinkCheck};
use links::{link_warning, page_links, resolve};
pub use page_entry::page_entry;
pub use site::Site;
pub use syntax::Format;
pub use write::to_toml;

/// Why pages cannot be imported or merged; each says in one line what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A page, folder or the docs root could not be read.
    #[error("cannot read {what}{}: {error}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    /// A page given is outside the docs tree given.
    #[error("{} is not under the docs root {}: pass the pages of one docs tree", path.display(), root.display())]
    OutsideRoot { path: PathBuf, root: PathBuf },
    /// A site or page address that is not an absolute http(s) URL.
    #[error("{option} must be an absolute http(s) URL, not {given:?}")]
    NotWebUrl { option: &'static str, given: String },
    #[error("the site address {0} cannot hold paths")]
    NoPaths(String),
    /// The curated file to merge into is not a FAQ that loads.
    #[error("{path} does not load ({first}); fix it before merging into it")]
    CurrentInvalid { path: String, first: String },
    #[error("{path} is not valid TOML: {detail}")]
    NotToml { path: String, detail: String },
    #[error("{0} writes its entries inline; merging needs them as [[entry]] tables")]
    InlineEntries(String),
    /// The merge would write a file that does not load: nothing is written.
    #[error("the merged file would not load ({0}); nothing was written")]
    MergedInvalid(String),
}

use crate::faq::{Entry, Faq};
use crate::location::Lines;
use outline::Outline;

/// A docs page to import.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn read(path: &Path) -> Result<Source, ImportError> {
        let text = std::fs::read_to_string(path).map_err(|error| ImportError::Read {
            what: "page ",
            path: path.to_path_buf(),
            error,
        })?;
        Ok(Source {
            path: path.to_owned(),
            text,
        })
    }
}

/// How pages are read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Each section of this heading level is an entry (2 for `##`, 3 for `###`), whatever the page.
    pub sections: Option<u8>,
    /// Where the one page is published, when no docs root is given.
    pub page_url: Option<String>,
    /// Each page is one entry, whatever its sections (a draft's answer is the whole page).
    pub whole: bool,
}

/// What an import produced: the entries, what the reader should check by hand, and how each page
/// was read.
#[derive(Debug, Default)]
pub struct Import {
    pub faq: Faq,
    pub warnings: Vec<String>,
    pub pages: Vec<String>,
}

/// How a page is split into entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Details,
    Sections(u8),
    Whole,
}

/// One entry found on a page, before its answer is written.
struct Draft {
    question: String,
    /// The id the page gives it (Docusaurus `{#id}`).
    id: Option<String>,
    /// The fragment of the entry's link, when the site makes one.
    anchor: Option<String>,
    body: std::ops::Range<usize>,
    /// Where it starts, for warnings.
    at: usize,
}

/// A page read and outlined.
struct Read<'a> {
    source: &'a Source,
    page: site::Page,
    text: String,
    outline: Outline,
    /// What rewriting the generator's syntax reported, by line.
    syntax_warnings: Vec<(usize, String)>,
}

/// Imports `sources`, one docs tree or one page, into one FAQ.
pub fn import(
    sources: &[Source],
    site: &mut Site,
    options: &Options,
) -> Result<Import, ImportError> {
    let format = site.format();
    let read = read_pages(sources, site, options)?;
    // What a mention of a section shows: the section's heading.
    let mut sections = HashMap::new();
    for page in &read {
        for heading in &page.outline.headings {
            let mut url = page.page.url.clone();
            url.set_fragment(Some(&anchor(format, &heading.text, heading.id.as_deref())));
            sections.insert(url.to_string(), heading.text.clone());
        }
    }

    let mut import = Import::default();
    import.faq.page = read.first().map(|r| r.page.url.to_string());
    let site = &*site;
    for page in &read {
        let at = Place::new(page);
        for (number, message) in &page.syntax_warnings {
            import
                .warnings
                .push(format!("{}: line {number}: {message}", at.path));
        }
        for (offset, message) in &page.outline.warnings {
            import.warnings.push(at.say(*offset, message));
        }
        let kind = match options.whole {
            true => Kind::Whole,
            false => kind(&page.outline, options.sections),
        };
        let links = |dest: &str, title: &str| resolve(site, &page.page, &sections, dest, title);
        let before = import.faq.entries.len();
        for draft in drafts(page, kind, format) {
            if let Some(entry) = entry(&mut import, &at, page, draft, kind, format, &links) {
                import.faq.entries.push(entry);
            }
        }
        let found = import.faq.entries.len() - before;
        let how = match kind {
            Kind::Details => "one per <details> block".to_owned(),
            Kind::Sections(level) => format!("one per {} section", "#".repeat(level.into())),
            Kind::Whole => "the page as one entry".to_owned(),
        };
        let entries = if found == 1 { "entry" } else { "entries" };
        import
            .pages
            .push(format!("{}: {found} {entries}, {how}", at.path));
        if found == 0 {
            import.warnings.push(format!(
                "{}: no entries found: the page has no <details><summary> blocks, no sections and no text under its title",
                at.path
            ));
        }
        for (offset, link) in page_links(&page.text) {
            if let Some(warning) = link_warning(site, &page.page, &link) {
                import.warnings.push(at.say(offset, &warning));
            }
        }
    }
    Ok(import)
}

/// Reads each page's outline and registers its title with the site, so that links between the
/// pages can show titles.
fn read_pages<'s>(
    sources: &'s [Source],
    site: &mut Site,
    options: &Options,
) -> Result<Vec<Read<'s>>, ImportError> {
    let format = site.format();
    let mut read = Vec::new();
    for source in sources {
        let prepared = syntax::prepare(format, &source.text);
        let outline = outline::outline(&prepared.text);
        let page = site.page(&source.path, options.page_url.as_deref())?;
        let title = prepared
            .title
            .clone()
            .or_else(|| outline.title.as_ref().map(|t| t.0.clone()));
        if let Some(title) = &title {
            site.add_title(&page, title);
        }
        read.push(Read {
            source,
            page,
            text: prepared.text,
            outline,
            syntax_warnings: prepared.warnings,
        });
    }
    Ok(read)
}

/// Where on a page a warning points: its path and line.
struct Place<'a> {
    path: String,
    lines: Lines<'a>,
}

impl<'a> Place<'a> {
    fn new(page: &'a Read<'_>) -> Self {
        Place {
            path: page.source.path.display().to_string(),
            lines: Lines::new(&page.text),
        }
    }

    fn say(&self, offset: usize, message: &str) -> String {
        let line = self.lines.position(offset).line;
        format!("{}: line {line}: {message}", self.path)
    }
}

/// The entry a draft becomes, fitted into Discord's limits; `None` (and a warning) when it has no
/// question or no answer.
fn entry(
    import: &mut Import,
    at: &Place<'_>,
    page: &Read<'_>,
    draft: Draft,
    kind: Kind,
    format: Format,
    links: &markdown::LinkFn<'_>,
) -> Option<Entry> {
    if draft.question.is_empty() {
        let warning = at.say(draft.at, "an entry has no question; skipped");
        import.warnings.push(warning);
        return None;
    }
    let wanted = draft.id.clone().unwrap_or_else(|| slug(&draft.question));
    let id = free_id(&wanted, |id| import.faq.entries.iter().any(|e| e.id == id));
    let mut warn = |message: String| import.warnings.push(at.say(draft.at, &message));
    if format == Format::Docusaurus && kind == Kind::Details && draft.id.is_none() {
        warn(format!(
            "question {:?} has no {{#anchor}}; its id is {id:?}, which links to a heading the page may not have",
            draft.question
        ));
    } else if id != wanted {
        warn(format!("the id {wanted:?} is taken; this entry is {id:?}"));
    }
    let mut link = page.page.url.clone();
    let fragment = match (format, kind) {
        (Format::Docusaurus, Kind::Details) => Some(id.clone()),
        (_, Kind::Sections(_)) => draft.anchor.clone(),
        _ => None,
    };
    link.set_fragment(fragment.as_deref());
    let link = link.to_string();
    let mut answer = markdown::discord(&page.text[draft.body.clone()], links);
    if answer.is_empty() {
        warn(format!("entry {id:?} has an empty answer; skipped"));
        return None;
    }
    let mut question = draft.question;
    if let Some(short) = fit::question(&question) {
        warn(format!(
            "the question of {id:?} is {} characters, over Discord's {}; shortened to {short:?}",
            question.chars().count(),
            crate::faq::QUESTION_MAX_CHARS
        ));
        question = short;
    }
    if let Some(cut) = fit::answer(&answer, &link) {
        warn(format!(
            "the answer of {id:?} is {} characters, over Discord's {}; cut at a paragraph, ending with a link to the rest",
            answer.chars().count(),
            crate::faq::ANSWER_MAX_CHARS
        ));
        answer = cut;
    }
    Some(Entry {
        id,
        question,
        answer,
        link: Some(link),
        ..Entry::default()
    })
}

/// Imports one page published at `page_url`, links starting with `/` resolved on its origin.
pub fn import_page(text: &str, page_url: &str, format: Format) -> Result<Import, ImportError> {
    let mut site = Site::single(format, page_url, None)?;
    let source = Source {
        path: PathBuf::from("page.md"),
        text: text.to_owned(),
    };
    let options = Options {
        page_url: Some(page_url.to_owned()),
        ..Options::default()
    };
    import(&[source], &mut site, &options)
}

/// How to split a page: forced sections; `<details>` blocks when there are no sections beside
/// them; sections unless the title asks a question the whole page answers; else the whole page.
fn kind(outline: &Outline, sections: Option<u8>) -> Kind {
    if let Some(level) = sections {
        return Kind::Sections(level);
    }
    let section_level = outline
        .headings
        .iter()
        .map(|h| h.level)
        .filter(|&l| l <= 3)
        .min();
    let asks = outline
        .title
        .as_ref()
        .is_some_and(|(title, _)| title.trim_end().ends_with('?'));
    match section_level {
        None if !outline.details.is_empty() => Kind::Details,
        Some(level) if !asks => Kind::Sections(level),
        _ => Kind::Whole,
    }
}

fn drafts(page: &Read<'_>, kind: Kind, format: Format) -> Vec<Draft> {
    let outline = &page.outline;
    match kind {
        Kind::Details => outline
            .details
            .iter()
            .filter_map(|block| {
                let summary = block.summary.clone()?;
                let (question, id) = markdown::plain(&page.text[summary]);
                Some(Draft {
                    question,
                    id: id.filter(|_| format == Format::Docusaurus),
                    anchor: None,
                    body: block.body.clone(),
                    at: block.start,
                })
            })
            .collect(),
        Kind::Sections(level) => {
            let headings = &outline.headings;
            headings
                .iter()
                .enumerate()
                .filter(|(_, h)| h.level == level)
                .map(|(i, heading)| {
                    let end = headings[i + 1..]
                        .iter()
                        .find(|h| h.level <= level)
                        .map_or(page.text.len(), |h| h.range.start);
                    Draft {
                        question: heading.text.clone(),
                        id: heading.id.clone().filter(|_| format == Format::Docusaurus),
                        anchor: Some(anchor(format, &heading.text, heading.id.as_deref())),
                        body: heading.range.end..end,
                        at: heading.range.start,
                    }
                })
                .collect()
        }
        Kind::Whole => {
            let (question, start) = match &outline.title {
                Some((title, end)) => (title.clone(), *end),
                None => (site::readable_name(page.page.url.as_ref()), 0),
            };
            vec![Draft {
                question,
                id: None,
                anchor: None,
                body: start..page.text.len(),
                at: 0,
            }]
        }
    }
}

#[cfg(test)]
mod tests;
