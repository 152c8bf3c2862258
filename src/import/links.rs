//! Links on docs pages: made absolute, checked against the docs tree, and warned about.

use std::collections::HashMap;

use super::markdown::{self, Resolved};
use super::site::{self, Site};
use crate::faq::Faq;

/// What to say about a link on a page: that it reaches no page of the docs (with a docs root), or
/// that it was resolved by guessing (with one page's address).
pub(super) fn link_warning(site: &Site, page: &site::Page, link: &str) -> Option<String> {
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

/// A link as written in `page`, made absolute; a GitBook mention shows the target's title.
pub(super) fn resolve(
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
pub fn check_links(faq: &Faq, site: &Site) -> LinkCheck {
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
    LinkCheck { checked, warnings }
}

/// What [`check_links`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheck {
    /// Links into the docs site.
    pub checked: usize,
    /// One line for each that reaches no page.
    pub warnings: Vec<String>,
}

/// Every link on a page with its byte offset.
pub(super) fn page_links(text: &str) -> Vec<(usize, String)> {
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
