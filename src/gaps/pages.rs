//! Pages the staff answer with that no entry links: each docs page a staff member linked in
//! answer to members' questions, while no entry of the FAQ links it (now: an entry written since
//! closes it), is a gap of its own, and the page its draft links.

use crate::faq::Faq;
use crate::history::{page_of, Links};

/// A docs page the staff answered questions with, which no entry links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageGap {
    /// The page, as it was first linked.
    pub page: String,
    /// The answers that linked it (indices into the links given), oldest first.
    pub members: Vec<usize>,
}

/// Groups the staff's answers by the page they link (`linked[i]`, answers oldest first), as
/// links compare (scheme, `www.`, a trailing slash or an anchor do not matter); keeps the pages
/// no entry of `faq` links; most answered first, then by page.
pub fn pages(linked: &[&str], faq: &Faq) -> Vec<PageGap> {
    let links = Links::new(faq);
    let mut grouped: Vec<(String, PageGap)> = Vec::new();
    for (i, link) in linked.iter().enumerate() {
        let Some(key) = page_of(link).filter(|_| links.unlinked_page(link)) else {
            continue;
        };
        match grouped.iter_mut().find(|(k, _)| *k == key) {
            Some((_, gap)) => gap.members.push(i),
            None => grouped.push((
                key,
                PageGap {
                    page: (*link).to_owned(),
                    members: vec![i],
                },
            )),
        }
    }
    let mut gaps: Vec<PageGap> = grouped.into_iter().map(|(_, gap)| gap).collect();
    gaps.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| a.page.cmp(&b.page))
    });
    gaps
}

/// The page the staff linked most often in answer to `members` (question indices), and how
/// many of them it answered; `page_of_question` is the page a question was answered with.
pub fn most_linked<'a>(
    members: &[usize],
    page_of_question: impl Fn(usize) -> Option<&'a str>,
) -> Option<(&'a str, usize)> {
    let mut counted: Vec<(&str, Option<String>, usize)> = Vec::new();
    for page in members.iter().filter_map(|&m| page_of_question(m)) {
        let key = page_of(page);
        match counted.iter_mut().find(|(_, k, _)| *k == key) {
            Some((_, _, n)) => *n += 1,
            None => counted.push((page, key, 1)),
        }
    }
    counted
        .into_iter()
        .max_by(|a, b| a.2.cmp(&b.2).then_with(|| b.0.cmp(a.0)))
        .map(|(page, _, n)| (page, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq() -> Faq {
        Faq::parse(
            r#"
[[entry]]
id = "setup"
question = "How do I set it up?"
answer = "Follow the guide."
link = "https://docs.example.org/setup/guide"
"#,
            "faq.toml",
        )
        .unwrap()
    }

    #[test]
    fn answers_are_grouped_by_page_and_pages_an_entry_links_drop_out() {
        let linked = [
            "https://docs.example.org/setup/backup",
            "https://docs.example.org/setup/guide#step-2",
            "https://www.docs.example.org/setup/backup/#schedule",
            "https://docs.example.org/alerts",
            "https://github.com/org/repo/issues/1",
            "http://docs.example.org/setup/backup",
        ];
        let gaps = pages(&linked, &faq());
        assert_eq!(
            gaps,
            [
                PageGap {
                    page: "https://docs.example.org/setup/backup".into(),
                    members: vec![0, 2, 5],
                },
                PageGap {
                    page: "https://docs.example.org/alerts".into(),
                    members: vec![3],
                },
            ]
        );
    }

    #[test]
    fn a_gaps_most_linked_page_counts_its_questions() {
        let answered = [
            Some("https://docs.example.org/a"),
            None,
            Some("https://docs.example.org/b"),
            Some("https://docs.example.org/b/"),
        ];
        assert_eq!(
            most_linked(&[0, 1, 2, 3], |m| answered[m]),
            Some(("https://docs.example.org/b", 2))
        );
        assert_eq!(most_linked(&[1], |m| answered[m]), None);
    }
}
