//! Docs sites: page addresses from paths, links resolved, GitBook's SUMMARY.md and titles.

use super::*;

fn tree() -> (Site, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gitbook");
    (
        Site::tree(Format::GitBook, "https://docs.x.org", &root).unwrap(),
        root,
    )
}

#[test]
fn page_addresses_follow_their_paths() {
    let (site, root) = tree();
    let faq = site
        .page(&root.join("troubleshooting/faq/README.md"), None)
        .unwrap();
    assert_eq!(faq.url.as_str(), "https://docs.x.org/troubleshooting/faq");
    let errors = site
        .page(&root.join("troubleshooting/errors.md"), None)
        .unwrap();
    assert_eq!(
        errors.url.as_str(),
        "https://docs.x.org/troubleshooting/errors"
    );
    assert!(site.page(Path::new("Cargo.toml"), None).is_err());
}

#[test]
fn links_resolve_from_the_page_file_and_are_checked_against_the_tree() {
    let (site, root) = tree();
    let faq = site
        .page(&root.join("troubleshooting/faq/README.md"), None)
        .unwrap();
    let url = |link: &str| site.resolve(&faq, link).map(|t| (t.url, t.known));
    let known = |u: &str| Some((u.to_owned(), Some(true)));
    assert_eq!(
        url("../../setup/updating.md"),
        known("https://docs.x.org/setup/updating")
    );
    assert_eq!(
        url("../../setup/single-sign-on/"),
        known("https://docs.x.org/setup/single-sign-on")
    );
    assert_eq!(
        url("../../setup/single-sign-on/README.md"),
        known("https://docs.x.org/setup/single-sign-on")
    );
    assert_eq!(
        url("../errors.md#what-does-401-mean"),
        known("https://docs.x.org/troubleshooting/errors#what-does-401-mean")
    );
    assert_eq!(
        url("#here"),
        known("https://docs.x.org/troubleshooting/faq#here")
    );
    assert_eq!(
        url("/setup/gone"),
        Some(("https://docs.x.org/setup/gone".to_owned(), Some(false)))
    );
    assert_eq!(
        url("https://example.com"),
        Some(("https://example.com".to_owned(), None))
    );
    assert_eq!(url(" "), None);
    // Titles come from SUMMARY.md, or from the page's own heading.
    assert_eq!(
        site.title("https://docs.x.org/setup/updating"),
        Some("Updating the Portal")
    );
    assert_eq!(
        site.is_unknown_page("https://docs.x.org/setup/installing/"),
        Some(false)
    );
}

#[test]
fn one_page_without_a_tree() {
    let site = Site::single(
        Format::Docusaurus,
        "https://cipp.app/docs/general/faq/",
        None,
    )
    .unwrap();
    let page = site
        .page(
            Path::new("faq.md"),
            Some("https://cipp.app/docs/general/faq/"),
        )
        .unwrap();
    let url = |link: &str| site.resolve(&page, link).unwrap().url;
    assert_eq!(url("../setup/"), "https://cipp.app/docs/general/setup/");
    assert_eq!(url("/docs/x"), "https://cipp.app/docs/x");
    assert_eq!(url("#cost"), "https://cipp.app/docs/general/faq/#cost");
    assert_eq!(site.is_unknown_page("https://cipp.app/docs/x"), None);
    assert!(Site::single(Format::Docusaurus, "faq.html", None)
        .unwrap_err()
        .to_string()
        .contains("--page must be an absolute http(s) URL"));
}

#[test]
fn a_gitbook_readme_given_alone_links_from_its_folder() {
    for address in ["https://d.org/help/faq", "https://d.org/help/faq/"] {
        let site = Site::single(Format::GitBook, address, None).unwrap();
        let page = site
            .page(Path::new("faq/README.md"), Some(address))
            .unwrap();
        let target = site.resolve(&page, "../setup/x.md").unwrap();
        assert_eq!(target.url, "https://d.org/help/setup/x");
    }
}

#[test]
fn readable_names_from_paths() {
    assert_eq!(
        readable_name("https://d.org/cipp/sam-setup-wizard.md"),
        "Sam setup wizard"
    );
    assert_eq!(
        readable_name("https://d.org/gdap-management/roles/#x"),
        "Roles"
    );
}
