//! Converting a Docusaurus FAQ page into `faq.toml`.
//!
//! The page holds one `<details><summary>## Question {#id}</summary> answer </details>` block per
//! entry. Answers keep the markdown Discord renders (lists, bold, italics, code, links); links are made
//! absolute, admonitions become bold labels, and HTML, comments and front matter are dropped.

use std::fmt::Write as _;

use crate::faq::{Entry, Faq};

/// What an import produced: the entries and what the reader should check by hand.
#[derive(Debug, Default)]
pub struct Import {
    pub faq: Faq,
    pub warnings: Vec<String>,
}

/// Where relative links point to.
#[derive(Debug, Clone)]
pub struct Base {
    /// The page's own URL, e.g. `https://cipp.app/docs/general/faq/`.
    pub page: String,
    /// The site's origin, e.g. `https://cipp.app`; links starting with `/` resolve against it.
    pub site: String,
}

impl Base {
    /// `site` defaults to the origin of `page`.
    pub fn new(page: &str, site: Option<&str>) -> Self {
        let site = match site {
            Some(site) => site.trim_end_matches('/').to_owned(),
            None => origin(page).to_owned(),
        };
        Base {
            page: page.to_owned(),
            site,
        }
    }

    fn resolve(&self, link: &str) -> String {
        let link = link.trim();
        if link.contains("://") || link.starts_with("mailto:") {
            link.to_owned()
        } else if let Some(anchor) = link.strip_prefix('#') {
            format!("{}#{anchor}", self.page.split('#').next().unwrap_or(""))
        } else if link.starts_with('/') {
            format!("{}{link}", self.site)
        } else {
            // Relative to the page's folder, walking up for each `../`.
            let mut folder = self.page.split(['#', '?']).next().unwrap_or("");
            folder = &folder[..folder.rfind('/').map_or(folder.len(), |i| i + 1)];
            let mut rest = link.trim_start_matches("./");
            while let Some(up) = rest.strip_prefix("../") {
                rest = up;
                let trimmed = folder.trim_end_matches('/');
                if trimmed.len() > origin(&self.page).len() {
                    folder = &trimmed[..trimmed.rfind('/').map_or(0, |i| i + 1)];
                }
            }
            format!("{folder}{rest}")
        }
    }
}

/// `https://host` of a URL (the whole string when it has no path).
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find('/') {
        Some(i) => &url[..start + i],
        None => url,
    }
}

/// Reads a Docusaurus FAQ page.
pub fn import(markdown: &str, base: &Base) -> Import {
    let text = strip_comments(strip_front_matter(markdown));
    let mut import = Import::default();
    import.faq.page = Some(base.page.clone());

    let mut rest = text.as_str();
    while let Some(start) = rest.find("<details") {
        let after = &rest[start..];
        let (block, next) = match after.find("</details>") {
            Some(end) => (&after[..end], &after[end + "</details>".len()..]),
            None => {
                import
                    .warnings
                    .push("a <details> block has no closing </details>; read it to the end".into());
                (after, "")
            }
        };
        rest = next;
        let Some((summary, body)) = split_summary(block) else {
            import
                .warnings
                .push("a <details> block has no <summary>; skipped".into());
            continue;
        };
        let (question, anchor) = heading(summary);
        if question.is_empty() {
            import
                .warnings
                .push("a <details> block has an empty <summary>; skipped".into());
            continue;
        }
        let id = match anchor {
            Some(anchor) => anchor,
            None => {
                let id = unique(slug(&question), &import.faq.entries);
                import.warnings.push(format!(
                    "question {question:?} has no {{#anchor}}; its id is {id:?}, which links to a heading the page may not have"
                ));
                id
            }
        };
        let answer = answer(body, base);
        if answer.is_empty() {
            import
                .warnings
                .push(format!("entry {id:?} has an empty answer"));
        }
        import.faq.entries.push(Entry {
            link: Some(format!("{}#{id}", base.page)),
            id,
            question,
            answer,
            ..Entry::default()
        });
    }
    if import.faq.entries.is_empty() {
        import
            .warnings
            .push("no <details><summary> blocks found: is this a Docusaurus FAQ page?".into());
    }
    import.warnings.extend(guessed_links(markdown, base));
    import
}

/// A warning for every link that had to be guessed: one relative to the site or the page, which
/// may or may not be a page of the docs (the import knows only this page).
fn guessed_links(markdown: &str, base: &Base) -> Vec<String> {
    let mut warnings = Vec::new();
    for (number, line) in markdown.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("](") {
            let target = &rest[pos + 2..];
            let Some(end) = target.find(')') else { break };
            let link = target[..end].trim();
            rest = &target[end + 1..];
            let absolute = link.contains("://") || link.starts_with("mailto:");
            if absolute || link.starts_with('#') || link.is_empty() {
                continue;
            }
            warnings.push(format!(
                "line {}: the link {link:?} was taken as {}; check that it is a page of the docs",
                number + 1,
                base.resolve(link)
            ));
        }
    }
    warnings
}

fn strip_front_matter(text: &str) -> &str {
    let trimmed = text.trim_start_matches('\u{feff}');
    if let Some(rest) = trimmed.strip_prefix("---") {
        if let Some(end) = rest.find("\n---") {
            let after = &rest[end + 4..];
            return after.split_once('\n').map_or("", |(_, body)| body);
        }
    }
    trimmed
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Splits a details block into its summary's inner text and the body after it.
fn split_summary(block: &str) -> Option<(&str, &str)> {
    let open = block.find("<summary")?;
    let inner_start = open + block[open..].find('>')? + 1;
    let close = inner_start + block[inner_start..].find("</summary>")?;
    Some((
        &block[inner_start..close],
        &block[close + "</summary>".len()..],
    ))
}

/// The question text and its `{#anchor}`, from a summary such as `## Why? {#why}`.
fn heading(summary: &str) -> (String, Option<String>) {
    let line = strip_tags(summary.trim());
    let line = line.trim().trim_start_matches('#').trim();
    match (line.rfind("{#"), line.ends_with('}')) {
        (Some(open), true) => {
            let anchor = line[open + 2..line.len() - 1].trim();
            let anchor = (!anchor.is_empty()).then(|| anchor.to_owned());
            (line[..open].trim().to_owned(), anchor)
        }
        _ => (line.to_owned(), None),
    }
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

fn unique(id: String, entries: &[Entry]) -> String {
    let taken = |candidate: &str| entries.iter().any(|e| e.id == candidate);
    if !taken(&id) {
        return id;
    }
    (2..)
        .map(|n| format!("{}-{n}", &id[..id.len().min(60)]))
        .find(|candidate| !taken(candidate))
        .unwrap_or(id)
}

/// Removes HTML tags, keeping their text.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let tag = &rest[start + 1..];
        let looks_like_tag = tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
        match (looks_like_tag, tag.find('>')) {
            (true, Some(end)) => {
                out.push_str(&rest[..start]);
                rest = &tag[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = tag;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rewrites `[text](url)` links with absolute URLs.
fn absolute_links(line: &str, base: &Base) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find("](") {
        let target = &rest[pos + 2..];
        match target.find(')') {
            Some(end) => {
                out.push_str(&rest[..pos + 2]);
                out.push_str(&base.resolve(&target[..end]));
                out.push(')');
                rest = &target[end + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// A numbered list item's text, for `1. text` or `12) text`.
fn list_item(line: &str) -> Option<&str> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = &line[digits..];
    rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
}

/// The answer body as Discord markdown.
fn answer(body: &str, base: &Base) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut number = 0;
    for raw in strip_tags(body).lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(kind) = trimmed.strip_prefix(":::") {
            // An admonition opens (`:::tip Title`) or closes (`:::`).
            let mut words = kind.split_whitespace();
            if let Some(kind) = words.next() {
                let title: Vec<&str> = words.collect();
                let label = if title.is_empty() {
                    capitalise(kind)
                } else {
                    title.join(" ")
                };
                lines.push(format!("**{label}:**"));
            }
            continue;
        }
        if let Some(item) = list_item(trimmed) {
            // Docusaurus writes `1.` for every item; Discord shows the numbers as written.
            number += 1;
            let indent = &line[..line.len() - trimmed.len()];
            lines.push(absolute_links(&format!("{indent}{number}. {item}"), base));
            continue;
        }
        if !trimmed.is_empty() && !line.starts_with(' ') {
            // Any other text ends the list; a blank line between items does not.
            number = 0;
        }
        lines.push(absolute_links(line, base));
    }
    // Blank lines inside a list would split it in Discord: drop those between two items of one
    // list (a following item that starts again at 1 begins a new list and keeps its blank line).
    let mut out: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let blank = line.trim().is_empty();
        let after_item = out
            .last()
            .is_some_and(|l| list_item(l.trim_start()).is_some());
        let before_next_item = lines[i + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| list_item(l.trim_start()).is_some() && !l.starts_with("1. "));
        let after_blank = out.last().is_none_or(|l| l.trim().is_empty());
        if !(blank && (after_blank || (after_item && before_next_item))) {
            out.push(line.clone());
        }
    }
    out.join("\n").trim().to_owned()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes a FAQ as `faq.toml` text that [`Faq::parse`] reads back unchanged.
pub fn to_toml(faq: &Faq) -> String {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let list = |items: &[String]| {
        let items: Vec<String> = items
            .iter()
            .map(|s| format!("    {},\n", quote(s)))
            .collect();
        format!("[\n{}]", items.concat())
    };
    let mut out = String::new();
    if let Some(page) = &faq.page {
        let _ = writeln!(out, "[faq]\npage = {}\n", quote(page));
    }
    for entry in &faq.entries {
        let _ = writeln!(out, "[[entry]]\nid = {}", quote(&entry.id));
        let _ = writeln!(out, "question = {}", quote(&entry.question));
        let default_link = faq.page.as_ref().map(|p| format!("{p}#{}", entry.id));
        if let Some(link) = entry
            .link
            .as_ref()
            .filter(|l| Some(*l) != default_link.as_ref())
        {
            let _ = writeln!(out, "link = {}", quote(link));
        }
        for (key, items) in [
            ("aliases", &entry.aliases),
            ("keywords", &entry.keywords),
            ("examples", &entry.examples),
        ] {
            if !items.is_empty() {
                let _ = writeln!(out, "{key} = {}", list(items));
            }
        }
        let _ = writeln!(out, "answer = {}\n", quote(&entry.answer));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Base {
        Base::new("https://cipp.app/docs/general/faq/", None)
    }

    #[test]
    fn guessed_links_are_warned_about_with_their_line() {
        let page = "<details><summary>Q? {#q}</summary>\n\nSee [the docs](/troubleshooting) and [x](https://x.org) and [y](#q).\n\n</details>\n";
        let import = import(page, &base());
        assert_eq!(import.warnings.len(), 1, "{:?}", import.warnings);
        assert_eq!(
            import.warnings[0],
            "line 3: the link \"/troubleshooting\" was taken as https://cipp.app/troubleshooting; check that it is a page of the docs"
        );
    }

    #[test]
    fn links_resolve_against_site_page_and_folder() {
        let base = base();
        assert_eq!(base.site, "https://cipp.app");
        assert_eq!(
            base.resolve("/docs/general/troubleshooting/"),
            "https://cipp.app/docs/general/troubleshooting/"
        );
        assert_eq!(
            base.resolve("#cost"),
            "https://cipp.app/docs/general/faq/#cost"
        );
        assert_eq!(
            base.resolve("../setup/"),
            "https://cipp.app/docs/general/setup/"
        );
        assert_eq!(base.resolve("https://x.org/a"), "https://x.org/a");

        let docs = Base::new("https://x.org/docs/faq/", Some("https://docs.x.org/"));
        assert_eq!(docs.resolve("/guide"), "https://docs.x.org/guide");
    }

    #[test]
    fn a_block_becomes_an_entry() {
        let page = "---\nid: faq\n---\n<!-- vale X = NO -->\nIntro.\n<details>\n<summary>\n\n## Why **not**? {#why-not}\n\n</summary>\n\nSee the [guide](/docs/guide).\n\n1. One\n1. Two\n\n1. Three\n\n:::tip\nUse `main`.\n:::\n\n</details>\n";
        let import = import(page, &base());
        // Only the site-relative link, which the import cannot check.
        assert_eq!(import.warnings.len(), 1, "{:?}", import.warnings);
        assert!(import.warnings[0].starts_with("line 13: the link \"/docs/guide\""));
        let entry = &import.faq.entries[0];
        assert_eq!(entry.id, "why-not");
        assert_eq!(entry.question, "Why **not**?");
        assert_eq!(
            entry.answer,
            "See the [guide](https://cipp.app/docs/guide).\n\n1. One\n2. Two\n3. Three\n\n**Tip:**\nUse `main`."
        );
        assert_eq!(
            entry.link.as_deref(),
            Some("https://cipp.app/docs/general/faq/#why-not")
        );
    }

    #[test]
    fn malformed_blocks_warn_instead_of_failing() {
        let page = "<details><summary>## Where is it?</summary>Here.</details>\n<details><summary>## Where is it?</summary>There.\n<details>no summary</details>";
        let import = import(page, &base());
        let ids: Vec<&str> = import.faq.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["where-is-it", "where-is-it-2"]);
        assert_eq!(import.warnings.len(), 2, "{:?}", import.warnings);
        assert!(import.warnings[0].contains("no {#anchor}"));
    }

    #[test]
    fn output_reads_back_as_the_same_faq() {
        let page = "<details><summary>## A \"quoted\" question? {#q}</summary>\n\nLine one\n\nLine \\ two with \"\"\" quotes\n</details>";
        let import = import(page, &base());
        let text = to_toml(&import.faq);
        let back = Faq::parse(&text, "out.toml").unwrap();
        assert_eq!(back, import.faq);
    }

    #[test]
    fn a_page_without_blocks_says_so() {
        let import = import("# Just a heading\n", &base());
        assert!(import.faq.entries.is_empty());
        assert!(import.warnings[0].contains("no <details><summary> blocks"));
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("Why can't I log in?"), "why-can-t-i-log-in");
        assert_eq!(slug("¿¡!?"), "entry");
        assert!(slug(&"word ".repeat(40)).len() <= 64);
    }
}
