//! A FAQ written as `faq.toml` text: the form `faqbot import` prints and `--merge` appends.

use std::fmt::Write as _;

use crate::faq::Faq;

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
            ("old_links", &entry.old_links),
        ] {
            if !items.is_empty() {
                let _ = writeln!(out, "{key} = {}", list(items));
            }
        }
        let _ = writeln!(out, "answer = {}\n", quote(&entry.answer));
    }
    out
}
