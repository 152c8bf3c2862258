//! `faqbot import` of a GitBook docs tree, `--merge` into a curated file, and `check --root`:
//! against `tests/fixtures/gitbook/`, pages written for these tests in the shape of CIPP's docs.
//! CI also imports CIPP's real pages from the shared folder (`.ci/shared-checks`).

use std::path::PathBuf;

use faqbot::faq::Faq;

use super::{faqbot, fixture, temp_file, text};

const SITE: &str = "https://docs.example.org";

fn pages() -> Vec<PathBuf> {
    [
        "troubleshooting/faq/README.md",
        "troubleshooting/faq/moving-to-a-new-server.md",
        "troubleshooting/errors.md",
    ]
    .iter()
    .map(|page| fixture("gitbook").join(page))
    .collect()
}

/// `faqbot import PAGES… --root --site` plus `extra`.
fn import(extra: &[&str]) -> std::process::Output {
    let root = fixture("gitbook");
    let pages = pages();
    let mut args = vec!["import"];
    args.extend(pages.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--site", SITE, "--root", root.to_str().unwrap()]);
    args.extend(extra);
    faqbot(&args, "")
}

/// `faqbot check FILE` against the fixture tree and its site.
fn check_against_tree(file: &std::path::Path) -> std::process::Output {
    let root = fixture("gitbook");
    let args = [
        "check",
        file.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--site",
        SITE,
    ];
    faqbot(&args, "")
}

/// Markdown outside code: what a reader sees as text.
fn prose(answer: &str) -> String {
    let mut out = String::new();
    for (i, block) in answer.split("```").enumerate() {
        if i % 2 == 0 {
            for (j, part) in block.split('`').enumerate() {
                if j % 2 == 0 {
                    out.push_str(part);
                }
            }
        }
    }
    out
}

#[test]
fn a_gitbook_tree_imports_to_plain_discord_answers_with_absolute_links() {
    let out = import(&[]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let faq = Faq::parse(&text(&out.stdout), "imported").expect("the import reads back");

    // One entry per <summary> of the FAQ page, per ### section of the error page, and one for the
    // sub-page whose title is a question; counted from the pages themselves.
    let read = |page: &str| std::fs::read_to_string(fixture("gitbook").join(page)).unwrap();
    let questions = read("troubleshooting/faq/README.md")
        .matches("<summary>")
        .count();
    let errors = read("troubleshooting/errors.md")
        .lines()
        .filter(|l| l.starts_with("### "))
        .count();
    assert_eq!(faq.entries.len(), questions + errors + 1, "{stderr}");

    for entry in &faq.entries {
        let prose = prose(&entry.answer);
        for syntax in [
            "<details", "<summary", "<strong", "<figure", "<img", "<!--", "{%", "\\_", "&#x",
        ] {
            assert!(
                !prose.contains(syntax),
                "{syntax} left in {}: {}",
                entry.id,
                entry.answer
            );
        }
        for link in entry.answer.split("](").skip(1) {
            let url = link.split(')').next().unwrap();
            assert!(
                url.starts_with("https://"),
                "relative link {url} in {}",
                entry.id
            );
        }
        let link = entry.link.as_deref().unwrap();
        assert!(link.starts_with(&format!("{SITE}/")), "{link}");
        assert!(entry.question.chars().count() <= 256);
        assert!(entry.answer.chars().count() <= 4000);
    }

    let update = &faq.entries[0];
    assert_eq!(
        update.question,
        "I updated, but the Portal still says it is out of date. How do I fix this?"
    );
    assert_eq!(
        update.link.as_deref(),
        Some("https://docs.example.org/troubleshooting/faq")
    );
    // A mention shows the page's title from SUMMARY.md; a hint is a block quote.
    assert!(update
        .answer
        .contains("[Updating the Portal](https://docs.example.org/setup/updating)"));
    assert!(update
        .answer
        .ends_with("> **Warning:**\n> Never restart the app while it updates."));
    // Code keeps its placeholders; a mention of a section shows the section's heading.
    let api = faq.get("how-do-i-call-the-api").unwrap();
    assert!(api.answer.contains(
        "Invoke-RestMethod -Uri \"https://<portalurl>/api/Ping\" # keep <portalurl> as is"
    ));
    assert!(api.answer.contains(
        "[What does 401 mean?](https://docs.example.org/troubleshooting/errors#what-does-401-mean)"
    ));
    assert!(!api.answer.contains("Caption") && !api.answer.contains("ping answer"));
    // Sections link to their anchors, `id-` before a digit as GitBook makes them.
    let forbidden = faq.get("403-forbidden").unwrap();
    assert_eq!(
        forbidden.link.as_deref(),
        Some("https://docs.example.org/troubleshooting/errors#id-403-forbidden")
    );
    // The sub-page is one entry linking to its page.
    let moving = faq.get("how-do-i-move-the-portal-to-a-new-server").unwrap();
    assert!(moving.answer.contains("**Back up the database**"));
    assert!(moving.answer.contains("Point your DNS at the new server."));
    // Over Discord's limits: cut and said so.
    let costs = faq.get("my-costs-are-very-high").unwrap();
    assert!(costs.answer.ends_with(
        "[Read the rest in the docs](https://docs.example.org/troubleshooting/errors#my-costs-are-very-high)"
    ));
    assert!(
        stderr.contains("the answer of \"my-costs-are-very-high\" is"),
        "{stderr}"
    );
    assert!(stderr.contains(
        "the question of \"we-could-not-connect-to-the-api-to-retrieve-the-permissions\" is"
    ));
    assert!(
        stderr.contains("errors.md: 6 entries, one per ### section"),
        "{stderr}"
    );

    // Every link into the site reaches a page of the tree.
    let file = temp_file("gitbook-import.toml", &text(&out.stdout));
    let checked = check_against_tree(&file);
    assert!(checked.status.success());
    assert!(text(&checked.stdout).contains(": 0 of "));
    assert!(
        text(&checked.stderr).is_empty(),
        "{}",
        text(&checked.stderr)
    );
    assert!(
        text(&checked.stdout).contains(" links into https://docs.example.org reach no page under"),
        "{}",
        text(&checked.stdout)
    );
}

#[test]
fn sections_can_be_chosen_and_pages_need_an_address() {
    let out = import(&["--sections", "2"]);
    assert!(out.status.success());
    let faq = Faq::parse(&text(&out.stdout), "imported").unwrap();
    assert!(faq.get("steps").is_some() && faq.get("after-the-move").is_some());

    let page = fixture("gitbook/troubleshooting/errors.md");
    let out = faqbot(&["import", page.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--page URL for one page, or --root DIR and --site URL"));
    let outside = fixture("docusaurus-faq.md");
    let root = fixture("gitbook");
    let out = faqbot(
        &[
            "import",
            outside.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
            "--site",
            SITE,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not under the docs root"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn merge_keeps_curated_fields_and_a_second_run_changes_nothing() {
    let curated = std::fs::read_to_string(fixture("gitbook-curated.toml")).unwrap();
    let file = temp_file("curated.toml", &curated);
    let path = file.to_str().unwrap();

    let dry = import(&["--merge", path, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("Dry run: nothing was written."));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), curated);

    let first = import(&["--merge", path]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let report = text(&first.stdout);
    assert!(
        report.contains("8 added, 2 updated, 0 unchanged, 1 gone from the docs (kept"),
        "{report}"
    );
    assert!(
        report.contains(
            "reworded   api: \"How can I call the Portal API?\" is now \"How do I call the API?\""
        ),
        "{report}"
    );
    assert!(report.contains("gone       lockdown"), "{report}");

    let merged = std::fs::read_to_string(&file).unwrap();
    assert!(merged.starts_with("# The Example Portal's FAQ, reviewed by the moderators.\n"));
    assert!(merged.contains("id = \"out-of-date\" # people type /faq out-of-date"));
    let faq = Faq::parse(&merged, "merged").unwrap();
    let before = Faq::parse(&curated, "curated").unwrap();
    for old in &before.entries {
        let now = faq.get(&old.id).expect("every curated entry is kept");
        assert_eq!(
            (&now.aliases, &now.keywords, &now.examples),
            (&old.aliases, &old.keywords, &old.examples)
        );
    }
    let update = faq.get("out-of-date").unwrap();
    assert!(update.answer.contains("Updates take a few hours"));
    assert_eq!(
        update.link.as_deref(),
        Some("https://docs.example.org/troubleshooting/faq")
    );
    assert_eq!(
        faq.get("lockdown").unwrap().answer,
        "Yes, with Conditional Access."
    );

    let second = import(&["--merge", path]);
    assert!(
        text(&second.stdout)
            .starts_with(&format!("{path}: 0 added, 0 updated, 10 unchanged, 1 gone")),
        "{}",
        text(&second.stdout)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), merged);

    let pruned = import(&["--merge", path, "--prune"]);
    assert!(text(&pruned.stdout).contains("(removed)"));
    let faq = Faq::load(&file).unwrap();
    assert!(faq.get("lockdown").is_none());
    assert_eq!(faq.entries.len(), 10);
}

#[test]
fn check_warns_about_links_to_no_page_of_the_docs() {
    let faq = temp_file(
        "links.toml",
        "[[entry]]\nid = \"a\"\nquestion = \"Where?\"\nlink = \"https://docs.example.org/setup/installing\"\nanswer = \"See [the guide](https://docs.example.org/setup/gone) and [elsewhere](https://example.com/x).\"\n",
    );
    let out = check_against_tree(&faq);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(
        "entry \"a\" links to https://docs.example.org/setup/gone, which is no page of the docs"
    ));
    assert!(
        text(&out.stdout).contains(": 1 of 2 links into https://docs.example.org reach no page")
    );
}

#[test]
fn merge_into_a_missing_file_writes_the_import() {
    let file = temp_file("new.toml", "");
    std::fs::remove_file(&file).unwrap();
    let out = import(&["--merge", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(": 10 added (a new file)"));
    assert_eq!(Faq::load(&file).unwrap().entries.len(), 10);
}
