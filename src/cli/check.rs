//! `faqbot check`: validate a FAQ file, and optionally its links against a docs tree.

use std::path::PathBuf;
use std::process::ExitCode;

use faqbot::faq::Faq;
use faqbot::import::{Format, Site};

use super::args::{FaqArg, FormatArg};
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    faq: FaqArg,
    /// The FAQ file, as an alternative to --faq.
    #[arg(value_name = "FILE", conflicts_with = "faq")]
    file: Option<PathBuf>,
    /// Check the bot's config and every FAQ it names (the top level's and each [[server]]'s).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["faq", "file"])]
    config: Option<PathBuf>,
    #[command(flatten)]
    docs: DocsArgs,
}

/// The docs tree a FAQ's links are checked against.
#[derive(clap::Args)]
struct DocsArgs {
    /// Warn about links into the docs site (--site) that reach no page under this docs tree.
    #[arg(long, value_name = "DIR", requires = "site")]
    root: Option<PathBuf>,
    /// The docs site's address.
    #[arg(long, value_name = "URL", requires = "root")]
    site: Option<String>,
    /// The site generator of the docs tree (default: GitBook when it has a SUMMARY.md).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let files = match &args.config {
        Some(path) => {
            let config = faqbot::config::Config::load(path)?;
            println!("{}: ok", path.display());
            config.faq_files()
        }
        None => vec![args.file.clone().unwrap_or_else(|| args.faq.faq.clone())],
    };
    let mut failed = false;
    for file in &files {
        failed |= check(file, &args.docs)? == ExitCode::FAILURE;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks one FAQ file, and its links when a docs tree is given.
fn check(path: &std::path::Path, docs: &DocsArgs) -> Result<ExitCode> {
    match Faq::load(path) {
        Ok(faq) => {
            let examples: usize = faq.entries.iter().map(|e| e.examples.len()).sum();
            let keywords: usize = faq.entries.iter().map(|e| e.keywords.len()).sum();
            println!(
                "{}: ok, {} entries, {} keywords, {} examples",
                path.display(),
                faq.entries.len(),
                keywords,
                examples
            );
            if let (Some(root), Some(site)) = (&docs.root, &docs.site) {
                let format = docs.format.map_or_else(
                    || Format::detect(&[], root.join("SUMMARY.md").exists()).0,
                    Format::from,
                );
                let site = Site::tree(format, site, root)?;
                let faqbot::import::LinkCheck {
                    checked,
                    warnings: unknown,
                } = faqbot::import::check_links(&faq, &site);
                for warning in &unknown {
                    eprintln!("warning: {}: {warning}", path.display());
                }
                println!(
                    "{}: {} of {checked} links into {} reach no page under {}",
                    path.display(),
                    unknown.len(),
                    site.address(),
                    root.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(faqbot::faq::LoadError::Invalid(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{}: {}", path.display(), count_problems(&problems));
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(super::unreadable(path, &other).into()),
    }
}

/// "1 problem", "3 problems".
pub fn count_problems(problems: &[faqbot::location::Problem]) -> String {
    let plural = if problems.len() == 1 { "" } else { "s" };
    format!("{} problem{plural}", problems.len())
}
