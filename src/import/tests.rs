//! The importer end to end on small pages: blocks, sections, anchors, ids and warnings.

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

    let question = "# How do I move my tenant?\n\n## Steps\n\nFirst this.\n\n### Then\n\nThat.\n";
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
        ..Options::default()
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
