//! A docs page as a draft's answer: the page a staff member linked, found in the docs tree and
//! read as `faqbot import` reads it, so that a draft entry for it starts from the docs' own text.

use super::{import, Options, Site, Source};
use crate::faq::Entry;

/// The entry the importer makes of the page `link` points to in `site`'s docs tree: the section
/// its anchor names when the page has one, else the whole page as one entry (its text cut to
/// Discord's limit, ending with a link to the rest). `None` when the tree has no such page or it
/// has no text.
pub fn page_entry(site: &mut Site, link: &str) -> Option<Entry> {
    let source = Source::read(site.file_of(link)?).ok()?;
    let sources = [source];
    let anchor = link
        .split_once('#')
        .map(|(_, anchor)| anchor.to_ascii_lowercase());
    if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
        let sections = import(&sources, site, &Options::default()).ok()?;
        let named = sections.faq.entries.into_iter().find(|entry| {
            entry
                .link
                .as_ref()
                .and_then(|l| l.split_once('#'))
                .map(|(_, a)| a.to_ascii_lowercase())
                == Some(anchor.clone())
        });
        if named.is_some() {
            return named;
        }
    }
    let whole = Options {
        whole: true,
        ..Options::default()
    };
    import(&sources, site, &whole)
        .ok()?
        .faq
        .entries
        .into_iter()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Format;

    #[test]
    fn a_linked_page_is_found_in_the_tree_whole_or_by_its_section() {
        let root = std::env::temp_dir().join(format!("faqbot-page-entry-{}", std::process::id()));
        std::fs::create_dir_all(root.join("setup")).unwrap();
        std::fs::write(
            root.join("setup/backup.md"),
            "# Backups\n\nBackups run nightly.\n\n## Restore\n\nPick a backup and press Restore.\n",
        )
        .unwrap();
        let mut site = Site::tree(Format::GitBook, "https://docs.example.org", &root).unwrap();
        let whole = page_entry(&mut site, "https://docs.example.org/setup/backup").unwrap();
        assert!(whole.answer.contains("Backups run nightly"), "{whole:?}");
        assert!(whole.answer.contains("press Restore"), "{whole:?}");
        assert_eq!(
            whole.link.as_deref(),
            Some("https://docs.example.org/setup/backup")
        );
        let section =
            page_entry(&mut site, "https://docs.example.org/setup/backup#restore").unwrap();
        assert_eq!(section.question, "Restore");
        assert!(!section.answer.contains("nightly"), "{section:?}");
        assert!(page_entry(&mut site, "https://docs.example.org/setup/other").is_none());
        let _ = std::fs::remove_dir_all(&root);
    }
}
