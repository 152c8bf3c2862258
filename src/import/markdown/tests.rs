//! Docs markdown rewritten for Discord: code, escapes, lists, links, HTML, headings.

use super::*;

fn absolute(dest: &str, title: &str) -> Resolved {
    Resolved {
        url: if dest.contains("://") {
            dest.to_owned()
        } else {
            format!("https://docs.x.org/{}", dest.trim_end_matches(".md"))
        },
        label: (title == "mention").then(|| format!("Page {dest}")),
    }
}

fn render(markdown: &str) -> String {
    discord(markdown, &absolute)
}

#[test]
fn code_is_never_rewritten() {
    let page =
        "Call `https://<cippurl>/api` then:\n\n```powershell\nGet-Thing <name> \\_x *y*\n```\n";
    assert_eq!(
        render(page),
        "Call `https://<cippurl>/api` then:\n\n```powershell\nGet-Thing <name> \\_x *y*\n```"
    );
}

#[test]
fn escapes_the_parser_undid_are_only_redone_where_discord_needs_them() {
    assert_eq!(
        render("invalid\\_grant and AZURE\\_STATIC\\_APP \\~ \\*"),
        "invalid_grant and AZURE_STATIC_APP ~ \\*"
    );
    assert_eq!(
        render("_\"All Users\"_ and **Save**"),
        "_\"All Users\"_ and **Save**"
    );
    assert_eq!(render("\\# not a heading"), "\\# not a heading");
    assert_eq!(render("\"MLT\\_\" only"), "\"MLT_\" only");
    assert_eq!(render("\\_a\\_ b"), "\\_a\\_ b");
}

#[test]
fn lists_are_renumbered_tight_and_nested() {
    let page = "1. **Check:**\n   * Ensure it.\n2. Enable\n\n   * More.\n\n1. Third\n";
    assert_eq!(
        render(page),
        "1. **Check:**\n   - Ensure it.\n2. Enable\n   - More.\n3. Third"
    );
}

#[test]
fn links_become_absolute_and_mentions_show_titles() {
    let page = "See [updating.md](../setup/updating.md \"mention\") and [docs](a.md), <https://x.org/a>, [](https://y.org).";
    assert_eq!(
        render(page),
        "See [Page ../setup/updating.md](https://docs.x.org/../setup/updating) and [docs](https://docs.x.org/a), https://x.org/a, https://y.org."
    );
}

#[test]
fn html_keeps_words_and_structure_only() {
    let page = "<details>\n\n<summary>Front <strong>end</strong></summary>\n\n* Step &#x20;\n\n</details>\n\n<figure><img src=\"a.png\" alt=\"\"><figcaption><p>Caption</p></figcaption></figure>\n\nText<br>more <!-- note -->done.";
    assert_eq!(render(page), "**Front end**\n\n- Step\n\nText\nmore done.");
}

#[test]
fn headings_and_quotes() {
    let page = "#### Email _one_:\n\nBody.\n\n> **Warning:**\n> Careful.\n>\n> Really.\n";
    assert_eq!(
        render(page),
        "**Email one:**\n\nBody.\n\n> **Warning:**\n> Careful.\n> Really."
    );
}

#[test]
fn question_text_is_plain() {
    assert_eq!(
        plain("## Why **not**? {#why-not}"),
        ("Why not?".to_owned(), Some("why-not".to_owned()))
    );
    assert_eq!(
        plain("I got <strong>x</strong> &amp; y"),
        ("I got x & y".to_owned(), None)
    );
    assert_eq!(
        plain("_Provide valid credential._").0,
        "Provide valid credential."
    );
}
