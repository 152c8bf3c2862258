//! `faqbot import`: docs pages to faq.toml, printed or merged into a curated file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faqbot::faq::Faq;
use faqbot::import::{import, to_toml, Format, Options as ImportOptions, Site, Source};

use super::args::FormatArg;
use super::write_atomically;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    /// The pages' markdown files: one with --page, any number of one docs tree with --root.
    #[arg(required = true, value_name = "PAGE")]
    pages: Vec<PathBuf>,
    /// Where the one page is published; entry links are this plus their anchor.
    #[arg(long, value_name = "URL", conflicts_with = "root")]
    page: Option<String>,
    /// The docs site's address: links starting with / resolve against it, and with --root each
    /// page's address is this plus its path (default: the origin of --page).
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// The docs tree the pages belong to: each page's address follows from its path, and
    /// links are checked against the pages under it (and its SUMMARY.md).
    #[arg(long, value_name = "DIR", requires = "site")]
    root: Option<PathBuf>,
    /// The site generator the pages are written for (default: recognised from the pages).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Make every section of this heading level an entry (2 for ##, 3 for ###).
    #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(u8).range(2..=6))]
    sections: Option<u8>,
    /// Update this faq.toml in place: keep its ids, aliases, keywords, examples, comments and
    /// order; take questions, answers and links from the docs; add new entries.
    #[arg(long, value_name = "FAQ")]
    merge: Option<PathBuf>,
    /// With --merge: remove the entries that are gone from the docs.
    #[arg(long, requires = "merge")]
    prune: bool,
    /// With --merge: print what would change and write nothing.
    #[arg(long, requires = "merge")]
    dry_run: bool,
}

/// Reads the pages, imports them, then prints the result or merges it into the file: the steps
/// of one command, in the order a user reads its output.
pub fn exec(args: Args) -> Result<ExitCode> {
    let Args {
        pages,
        page,
        site,
        root,
        format,
        sections,
        merge,
        prune,
        dry_run,
    } = args;
    let sources = pages
        .iter()
        .map(|path| Source::read(path))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Where the pages are published is checked first: its error is the one to read.
    let published = match (&root, &page, &site) {
        (Some(root), _, Some(site)) => Published::Tree { root, site },
        (None, Some(page), _) if sources.len() == 1 => Published::Page(page),
        (None, Some(_), _) => {
            return Err("--page names one page's address: for several pages pass --root DIR and --site URL".into())
        }
        _ => {
            return Err("say where the pages are published: --page URL for one page, or --root DIR and --site URL for pages of a docs tree".into())
        }
    };
    let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
    let format = match format {
        Some(format) => format.into(),
        None => {
            let has_summary = root.as_ref().is_some_and(|r| r.join("SUMMARY.md").exists());
            let (format, why) = Format::detect(&texts, has_summary);
            eprintln!(
                "Reading the pages as {} ({why}); --format chooses.",
                format.name()
            );
            format
        }
    };
    let mut docs = match published {
        Published::Tree { root, site } => Site::tree(format, site, root)?,
        Published::Page(page) => Site::single(format, page, site.as_deref())?,
    };
    let options = ImportOptions {
        sections,
        page_url: page,
        whole: false,
    };
    let result = import(&sources, &mut docs, &options)?;
    for line in &result.pages {
        eprintln!("{line}");
    }
    for warning in &result.warnings {
        eprintln!("warning: {warning}");
    }
    if result.faq.entries.is_empty() {
        return Err("no FAQ entries found in the pages given".into());
    }
    match merge {
        Some(file) => merge_into(&file, &result.faq, prune, dry_run),
        None => {
            print!("{}", to_toml(&result.faq));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Merges the imported FAQ into `file` (or writes it there when the file is new or empty),
/// saying what changed.
fn merge_into(file: &Path, faq: &Faq, prune: bool, dry_run: bool) -> Result<ExitCode> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        // Nothing to keep: the import is the new file.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display()).into()),
    };
    let (report, new_text) = if text.is_empty() {
        let count = faq.entries.len();
        (format!("{count} added (a new file)\n"), to_toml(faq))
    } else {
        let merged = faqbot::import::merge::merge(&text, &file.display().to_string(), faq, prune)?;
        (merged.report.to_string(), merged.text)
    };
    print!("{}: {report}", file.display());
    if dry_run {
        println!("Dry run: nothing was written.");
    } else if new_text != text {
        write_atomically(file, &new_text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the pages are published: a docs tree on a site, or one page's address.
enum Published<'a> {
    Tree { root: &'a Path, site: &'a str },
    Page(&'a str),
}
