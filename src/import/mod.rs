//! Converting docs pages into `faq.toml`.
//!
//! Reads Docusaurus and GitBook markdown. A page of top-level `<details><summary>` blocks gives an
//! entry per block; a page of sections an entry per `##` or `###` section; a page whose title is a
//! question, or that has neither, one entry. Answers become the markdown Discord shows (see
//! `markdown`), links absolute on the site (see [`site`]), and each entry links to its page and,
//! where the site makes one, the heading's anchor. [`merge`] folds an import into a curated file.

mod fit;
pub mod html;
mod markdown;
pub mod merge;
mod outline;
pub mod site;
pub mod syntax;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use site::Site;
pub use syntax::Format;
pub use write::to_toml;

use crate::faq::{Entry, Faq};
use crate::location::Lines;
use markdown::Resolved;
use outline::Outline;

/// A docs page to import.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn read(path: &Path) -> Result<Source, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read page {}: {e}", path.display()))?;
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
pub fn import(sources: &[Source], site: &mut Site, options: &Options) -> Result<Import, String> {
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
        let kind = kind(&page.outline, options.sections);
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

/// What to say about a link on a page: that it reaches no page of the docs (with a docs root), or
/// that it was resolved by guessing (with one page's address).
fn link_warning(site: &Site, page: &site::Page, link: &str) -> Option<String> {
    let target = site.resolve(page, link)?;
    if target.known == Some(false) {
        Some(format!(
            "the link {link:?} points to {}, which is no page of the docs",
            target.url
        ))
    } else if !site.knows_pages() && target.relative && !link.starts_with('#') {
        Some(format!(
            "the link {link:?} was taken as {}; check that it is a page of the docs",
            target.url
        ))
    } else {
        None
    }
}

/// Imports one page published at `page_url`, links starting with `/` resolved on its origin.
pub fn import_page(text: &str, page_url: &str, format: Format) -> Result<Import, String> {
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

/// The anchor a site gives a heading: Docusaurus its `{#id}` or a slug, GitBook a slug with an
/// `id-` prefix when it starts with a digit.
pub fn anchor(format: Format, heading: &str, id: Option<&str>) -> String {
    if let (Format::Docusaurus, Some(id)) = (format, id) {
        return id.to_owned();
    }
    let mut slug = String::new();
    for c in heading.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    match format {
        Format::GitBook if slug.starts_with(|c: char| c.is_ascii_digit()) => format!("id-{slug}"),
        _ => slug,
    }
}

/// A link as written in `page`, made absolute; a GitBook mention shows the target's title.
fn resolve(
    site: &Site,
    page: &site::Page,
    sections: &HashMap<String, String>,
    dest: &str,
    title: &str,
) -> Resolved {
    let Some(target) = site.resolve(page, dest) else {
        return Resolved {
            url: dest.to_owned(),
            label: None,
        };
    };
    let label = (title == "mention").then(|| {
        sections
            .get(&target.url)
            .cloned()
            .or_else(|| site.title(&target.url).map(str::to_owned))
            .unwrap_or_else(|| site::readable_name(&target.url))
    });
    Resolved {
        url: target.url,
        label,
    }
}

/// The links of `faq` (entry links and links in answers) that point into the docs site, and a
/// warning for each one that reaches none of its pages.
pub fn check_links(faq: &Faq, site: &Site) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut warnings = Vec::new();
    for entry in &faq.entries {
        let links = entry
            .link
            .iter()
            .cloned()
            .chain(page_links(&entry.answer).into_iter().map(|(_, link)| link));
        for link in links {
            match site.is_unknown_page(&link) {
                Some(true) => warnings.push(format!(
                    "entry {:?} links to {link}, which is no page of the docs",
                    entry.id
                )),
                Some(false) => {}
                None => continue,
            }
            checked += 1;
        }
    }
    (checked, warnings)
}

/// Every link on a page with its byte offset.
fn page_links(text: &str) -> Vec<(usize, String)> {
    use pulldown_cmark::{Event, LinkType, Parser, Tag};
    Parser::new_ext(text, markdown::options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if !matches!(link_type, LinkType::Autolink | LinkType::Email) => {
                Some((range.start, dest_url.into_string()))
            }
            _ => None,
        })
        .collect()
}

/// A lowercase id from a question: letters and digits joined by `-`, at most 64 characters.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > crate::faq::ID_MAX_CHARS {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        slug.push_str("entry");
    }
    slug
}

/// `id`, or the first of `id-2`, `id-3`… that is not `taken` (shortened to stay a valid id).
pub(crate) fn free_id(id: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(id) {
        return id.to_owned();
    }
    let stem: String = id.chars().take(crate::faq::ID_MAX_CHARS - 4).collect();
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE_URL: &str = "https://cipp.app/docs/general/faq/";

    fn import_page(text: &str, format: Format) -> Import {
        super::import_page(text, PAGE_URL, format).unwrap()
    }

    #[test]
    fn guessed_links_are_warned_about_with_their_line() {
        let page = "<details><summary>Q? {#q}</summary>\n\nSee [the docs](/troubleshooting) and [x](https://x.org) and [y](#q).\n\n</details>\n";
        let import = import_page(page, Format::Docusaurus);
        assert_eq!(import.warnings.len(), 1, "{:?}", import.warnings);
        assert_eq!(
            import.warnings[0],
            "page.md: line 3: the link \"/troubleshooting\" was taken as https://cipp.app/troubleshooting; check that it is a page of the docs"
        );
        assert_eq!(
            import.faq.entries[0].answer,
            "See [the docs](https://cipp.app/troubleshooting) and [x](https://x.org) and [y](https://cipp.app/docs/general/faq/#q)."
        );
    }

    #[test]
    fn a_block_becomes_an_entry() {
        let page = "---\nid: faq\n---\n<!-- vale X = NO -->\nIntro.\n<details>\n<summary>\n\n## Why **not**? {#why-not}\n\n</summary>\n\nSee the [guide](/docs/guide) or [setup](../setup/).\n\n1. One\n1. Two\n\n1. Three\n\n:::tip\nUse `main`.\n:::\n\n</details>\n";
        let import = import_page(page, Format::Docusaurus);
        // Only the links relative to the site or page, which the import cannot check.
        assert_eq!(import.warnings.len(), 2, "{:?}", import.warnings);
        assert!(import.warnings[0].starts_with("page.md: line 13: the link \"/docs/guide\""));
        let entry = &import.faq.entries[0];
        assert_eq!(entry.id, "why-not");
        assert_eq!(entry.question, "Why not?");
        assert_eq!(
            entry.answer,
            "See the [guide](https://cipp.app/docs/guide) or [setup](https://cipp.app/docs/general/setup/).\n\n1. One\n2. Two\n3. Three\n\n**Tip:**\nUse `main`."
        );
        assert_eq!(
            entry.link.as_deref(),
            Some("https://cipp.app/docs/general/faq/#why-not")
        );
    }

    #[test]
    fn malformed_blocks_warn_instead_of_failing() {
        let page = "<details><summary>## Where is it?</summary>Here.</details>\n<details><summary>## Where is it?</summary>There.\n<details>no summary</details>";
        let import = import_page(page, Format::Docusaurus);
        let ids: Vec<&str> = import.faq.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["where-is-it", "where-is-it-2"]);
        assert!(
            import.warnings.iter().any(|w| w.contains("no {#anchor}")),
            "{:?}",
            import.warnings
        );
        assert!(import
            .warnings
            .iter()
            .any(|w| w.contains("no closing </details>")));
    }

    #[test]
    fn output_reads_back_as_the_same_faq() {
        let page = "<details><summary>## A \"quoted\" question? {#q}</summary>\n\nLine one\n\nLine \\ two with \"\"\" quotes\n</details>";
        let import = import_page(page, Format::Docusaurus);
        let text = to_toml(&import.faq);
        let back = Faq::parse(&text, "out.toml").unwrap();
        assert_eq!(back, import.faq);
    }

    #[test]
    fn a_page_with_only_a_title_says_so() {
        let import = import_page("# Just a heading\n", Format::Docusaurus);
        assert!(import.faq.entries.is_empty());
        assert!(import
            .warnings
            .iter()
            .any(|w| w.contains("no <details><summary> blocks")));
    }

    #[test]
    fn sections_are_entries_with_anchors_and_a_question_page_is_one() {
        let page = "# Error codes\n\nIntro.\n\n### AADSTS50011\n\nAdd the URL.\n\n#### Detail\n\nMore.\n\n### 400 (Bad Request).\n\n<details>\n\n<summary>Frontend</summary>\n\nRedeploy.\n\n</details>\n";
        let import = import_page(page, Format::GitBook);
        let entries = &import.faq.entries;
        assert_eq!(entries.len(), 2, "{:?}", import.warnings);
        assert_eq!(entries[0].question, "AADSTS50011");
        assert_eq!(entries[0].answer, "Add the URL.\n\n**Detail**\n\nMore.");
        assert_eq!(
            entries[0].link.as_deref(),
            Some("https://cipp.app/docs/general/faq/#aadsts50011")
        );
        assert_eq!(entries[1].id, "400-bad-request");
        assert_eq!(entries[1].answer, "**Frontend**\n\nRedeploy.");
        assert_eq!(
            entries[1].link.as_deref(),
            Some("https://cipp.app/docs/general/faq/#id-400-bad-request")
        );

        let question =
            "# How do I move my tenant?\n\n## Steps\n\nFirst this.\n\n### Then\n\nThat.\n";
        let import = import_page(question, Format::GitBook);
        assert_eq!(import.faq.entries.len(), 1);
        assert_eq!(import.faq.entries[0].question, "How do I move my tenant?");
        assert_eq!(
            import.faq.entries[0].answer,
            "**Steps**\n\nFirst this.\n\n**Then**\n\nThat."
        );
    }

    #[test]
    fn forced_section_level() {
        let page = "# How?\n\n## A\n\nx\n\n### B\n\ny\n";
        let mut site = Site::single(Format::GitBook, PAGE_URL, None).unwrap();
        let source = Source {
            path: "p.md".into(),
            text: page.into(),
        };
        let options = Options {
            sections: Some(3),
            page_url: Some(PAGE_URL.into()),
        };
        let import = import(&[source], &mut site, &options).unwrap();
        let questions: Vec<&str> = import
            .faq
            .entries
            .iter()
            .map(|e| e.question.as_str())
            .collect();
        assert_eq!(questions, ["B"]);
    }

    #[test]
    fn gitbook_anchors() {
        assert_eq!(
            anchor(
                Format::GitBook,
                "Multi-Factor Authentication Troubleshooting",
                None
            ),
            "multi-factor-authentication-troubleshooting"
        );
        assert_eq!(
            anchor(Format::GitBook, "2. Configure it!", None),
            "id-2-configure-it"
        );
        assert_eq!(anchor(Format::Docusaurus, "Why?", Some("why")), "why");
    }

    proptest::proptest! {
        /// Whatever the page, the import ends, and what it writes loads back as the same FAQ.
        #[test]
        fn any_page_imports_to_a_loadable_faq(
            page in "(<details>|<summary>|</summary>|</details>|\\{% hint %\\}|\\{% endhint %\\}|## |### |# |```|`|\\*|_|\\\\|\\[a\\]\\(b\\.md\\)|1\\. |- |> |<!--|-->|&#x20;|\n|\n\n|é|😀|[a-z ?]{1,12}){0,60}"
        ) {
            for format in [Format::Docusaurus, Format::GitBook] {
                let import = import_page(&page, format);
                if !import.faq.entries.is_empty() {
                    let text = to_toml(&import.faq);
                    let back = Faq::parse(&text, "out.toml");
                    proptest::prop_assert!(back.is_ok(), "{:?}", back.err());
                    proptest::prop_assert_eq!(back.unwrap(), import.faq);
                }
            }
        }
    }

    #[test]
    fn a_taken_id_gets_a_number_and_stays_short() {
        let taken = ["why", "why-2"];
        assert_eq!(free_id("why", |id| taken.contains(&id)), "why-3");
        assert_eq!(free_id("new", |id| taken.contains(&id)), "new");
        // Cut by characters, never inside one.
        let long = "é".repeat(70);
        let free = free_id(&long, |id| id == long);
        assert_eq!(free.chars().count(), crate::faq::ID_MAX_CHARS - 2);
        assert!(free.ends_with("-2"));
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("Why can't I log in?"), "why-can-t-i-log-in");
        assert_eq!(slug("¿¡!?"), "entry");
        assert!(slug(&"word ".repeat(40)).len() <= 64);
    }
}
