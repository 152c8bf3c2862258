//! The documentation links in a reply: which FAQ entries they name, and which docs pages no entry
//! links.

use std::collections::{HashMap, HashSet};

use crate::faq::Faq;

/// The entries' documentation links, normalised, and the entry each leads to.
pub struct Links {
    /// (host, path, anchor) → entry; an anchorless page of several entries leads to none.
    exact: HashMap<(String, String, String), String>,
    /// (host, path) → the entries with a link to that page.
    pages: HashMap<(String, String), Vec<String>>,
    /// The hosts the entries link: the docs sites whose other pages the FAQ may lack.
    hosts: HashSet<String>,
}

impl Links {
    pub fn new(faq: &Faq) -> Links {
        let mut exact = HashMap::new();
        let mut pages: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut hosts = HashSet::new();
        for entry in &faq.entries {
            let addresses = entry.link.iter().chain(&entry.old_links);
            for link in addresses {
                let Some(url) = normalise(link) else {
                    continue;
                };
                exact.insert(
                    (url.host.clone(), url.path.clone(), url.anchor),
                    entry.id.clone(),
                );
                hosts.insert(url.host.clone());
                let page = pages.entry((url.host, url.path)).or_default();
                if !page.contains(&entry.id) {
                    page.push(entry.id.clone());
                }
            }
        }
        Links {
            exact,
            pages,
            hosts,
        }
    }

    /// Whether `link` is a page of a docs site the entries link (not its front page) that no
    /// entry links: a page the FAQ lacks. Links elsewhere (issues, other sites) are no such page.
    pub fn unlinked_page(&self, link: &str) -> bool {
        normalise(link).is_some_and(|url| {
            !url.path.is_empty()
                && self.hosts.contains(&url.host)
                && !self.pages.contains_key(&(url.host, url.path))
        })
    }

    /// The first of `links` that is a page the FAQ lacks ([`unlinked_page`](Self::unlinked_page)),
    /// without the punctuation that followed it; `None` as well when another of them is a page
    /// an entry links (the answer points at what the FAQ has).
    pub fn missing_page(&self, links: &[String]) -> Option<String> {
        let has = |link: &String| {
            normalise(link).is_some_and(|url| self.pages.contains_key(&(url.host, url.path)))
        };
        if links.iter().any(has) {
            return None;
        }
        links
            .iter()
            .find(|link| self.unlinked_page(link))
            .map(|page| trimmed(page).to_owned())
    }

    /// The entry a link leads to: the same page and anchor, or the page alone when only one
    /// entry lives there.
    pub fn entry(&self, link: &str) -> Option<&str> {
        let url = normalise(link)?;
        if let Some(entry) =
            self.exact
                .get(&(url.host.clone(), url.path.clone(), url.anchor.clone()))
        {
            return Some(entry);
        }
        match self.pages.get(&(url.host, url.path))?.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// The page a link leads to, as links are compared (`host/path`): links that differ only in
/// their scheme, `www.`, a trailing slash, an `.html` or `.md` ending, their query or their
/// anchor give the same page.
pub fn page_of(link: &str) -> Option<String> {
    normalise(link).map(|url| format!("{}/{}", url.host, url.path))
}

/// A link as compared: the scheme, `www.`, letter case of the host, a trailing slash, an `.html`
/// or `.md` ending, the query and an empty anchor do not matter.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Url {
    pub(super) host: String,
    pub(super) path: String,
    pub(super) anchor: String,
}

pub(super) fn normalise(link: &str) -> Option<Url> {
    let link = trimmed(link);
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))?;
    let (rest, anchor) = rest.split_once('#').unwrap_or((rest, ""));
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    if host.is_empty() {
        return None;
    }
    let path = path.trim_end_matches('/');
    let path = path
        .strip_suffix(".html")
        .or_else(|| path.strip_suffix(".md"))
        .unwrap_or(path)
        .to_ascii_lowercase();
    Some(Url {
        host,
        path,
        anchor: anchor.to_ascii_lowercase(),
    })
}

/// A link without the punctuation that follows it in a sentence.
pub(super) fn trimmed(link: &str) -> &str {
    link.trim().trim_end_matches(['>', ')', '.', ','])
}

/// The links in a text: what starts with `http://` or `https://`, up to a space or a bracket.
pub fn links_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '"'))
        .filter(|word| word.starts_with("https://") || word.starts_with("http://"))
}
