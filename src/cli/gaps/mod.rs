//! `faqbot gaps`: what members keep asking that no entry answers, from the bot's database (its
//! unmatched questions, and the docs pages the staff answered with that no entry links) or from a
//! file of messages, with draft entries to close the gaps.

mod show;

pub(crate) use show::Shown;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faqbot::faq::Faq;
use faqbot::gaps::pages;
use faqbot::gaps::{self, Similarity};
use faqbot::ids::GuildId;
use faqbot::import::{Format, Site};
use faqbot::second_opinion::SecondOpinion;
use faqbot::store::{Backend, StaffPage};

use super::args::{FaqArg, ModelArg, ServerArg};
use super::decider::Decider;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    /// The bot's config: its database, FAQ and model folder (the served server's own FAQ when
    /// it has one), instead of --db, --faq and --model.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["db", "faq", "dir", "messages"])]
    config: Option<PathBuf>,
    #[command(flatten)]
    faq: FaqArg,
    /// The bot's database, whose unmatched questions are read ([store] path in faqbot.toml).
    #[arg(
        long,
        env = "FAQBOT_DB",
        default_value = "faqbot.db",
        value_name = "PATH"
    )]
    db: PathBuf,
    #[command(flatten)]
    server: ServerArg,
    /// How many days back, at least 1; the period before is the trend's comparison.
    #[arg(long, default_value_t = 30, value_parser = super::stats::days)]
    days: u64,
    /// Read these messages instead of the database: one a line, or cases (`[[case]] text = ...`,
    /// `expect` ignored) in a .toml file.
    #[arg(long, value_name = "FILE", conflicts_with = "id")]
    messages: Option<PathBuf>,
    /// How many gaps to list, largest first (and as many pages).
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Print a draft `[[entry]]` for each gap listed, to review into faq.toml.
    #[arg(long)]
    draft: bool,
    /// With --draft: the docs tree (markdown files) whose pages the drafts take their answers
    /// from, as `faqbot import` reads them; a GitBook tree is recognised by its SUMMARY.md.
    #[arg(long, value_name = "DIR", requires_all = ["site", "draft"])]
    root: Option<PathBuf>,
    /// With --root: the address the docs tree is published at.
    #[arg(long, value_name = "URL", requires = "root")]
    site: Option<String>,
    /// Print one JSON object: {"gaps": [...], "pages": [...], "noise": N}.
    #[arg(long, conflicts_with = "draft")]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
}

/// The questions to group: their texts, and what the database knows of each.
pub(crate) struct Asked {
    texts: Vec<String>,
    /// Per text: its message id (from the database), or its 0-based line or case number.
    ids: Vec<u64>,
    /// From the database: where, who and when each was asked, and when the period starts (the
    /// questions before it are the trend's comparison).
    known: Option<(Vec<Known>, u64)>,
    server: Option<GuildId>,
    /// From the database: the staff's answers with a docs page no entry linked, oldest first.
    pages: Vec<StaffPage>,
}

struct Known {
    channel: u64,
    user: u64,
    at_ms: u64,
}

impl Asked {
    /// The docs page the staff answered question `m` with, if they did (a file has no answers).
    fn page_of(&self, m: usize) -> Option<&str> {
        let id = self.ids.get(m)?;
        self.pages
            .iter()
            .find(|p| p.question.message.get() == *id)
            .map(|p| p.page.as_str())
    }
}

pub fn exec(args: Args) -> Result<ExitCode> {
    let (faq, db, model, server) = match &args.config {
        Some(path) => {
            let config = faqbot::config::Config::load(path)?;
            let server = args.server.id.or(config.discord.guild_id);
            let faq = server.map_or(config.faq.clone(), |id| config.settings(id).faq);
            let model = args.model.in_dir(config.matcher.model.dir.clone());
            (faq, config.store.path, model, server)
        }
        None => (
            args.faq.faq.clone(),
            args.db.clone(),
            args.model.clone(),
            args.server.id,
        ),
    };
    let faq = super::load(&faq)?;
    let asked = match &args.messages {
        Some(file) => from_file(file)?,
        None => {
            let store = super::existing_db(&db)?;
            let server = super::server(store.as_ref(), server)?;
            from_db(store.as_ref(), server, args.days)?
        }
    };
    // The docs tree is read before the slow part, so that a wrong path fails at once.
    let mut site = match (&args.root, &args.site) {
        (Some(root), Some(site)) => {
            let (format, _) = Format::detect(&[], root.join("SUMMARY.md").exists());
            Some(Site::tree(format, site, root)?)
        }
        _ => None,
    };
    let db = args.messages.is_none().then_some(db.as_path());
    let (shown, answers_at) = find(asked, &faq, db, &model, args.top)?;
    if args.draft {
        print!("{}", shown.drafts(&faq, site.as_mut()));
    } else if args.json {
        println!("{}", serde_json::to_string(&shown.json())?);
    } else {
        print!("{}", shown.report(&faq, args.days, answers_at));
    }
    Ok(ExitCode::SUCCESS)
}

/// Groups `asked` into gaps, diagnosed by `faq` with what the database `db` learned, and finds
/// the staff's pages; at most `top` of each listed. Also the confidence at which the bot answers.
pub(crate) fn find(
    asked: Asked,
    faq: &Faq,
    db: Option<&Path>,
    model: &ModelArg,
    top: usize,
) -> Result<(Shown, f32)> {
    let opinion = model.load()?;
    let params = faqbot::matcher::Params::default();
    let server = asked.server.map(|s| s.get());
    // Offline, the FAQ's vectors and the file's messages are cached in the model folder, as
    // `match` and `eval` cache theirs; the bot's questions in its own database, where `forget`
    // and `keep_days` reach them with the questions.
    let (offline_cache, cache) = match (&opinion, db) {
        (Some(_), None) => {
            let cache = model.vector_cache();
            (cache.clone(), cache)
        }
        (Some(_), Some(db)) => (None, Some(super::existing_db(db)?)),
        _ => (None, None),
    };
    let decider = Decider::with(faq, db, server, &params, opinion.as_ref(), offline_cache)?;
    let texts: Vec<&str> = asked.texts.iter().map(String::as_str).collect();
    let similarity = match &opinion {
        Some(opinion) => Similarity::with_model(embed(opinion, &texts, cache.as_deref())?),
        None => Similarity::of_words(&texts),
    };
    let mut found = gaps::find(&texts, &similarity);
    let listed = show::listed(&found, &asked, top);
    // Only the gaps listed are diagnosed: with the model, each costs an embedding.
    let shown_gaps = listed.iter().map(|l| l.index);
    gaps::diagnose(&mut found, shown_gaps, &texts, |text| {
        let decision = decider.decide(text, 1);
        decision
            .matches
            .first()
            .map(|m| (m.id.to_owned(), m.confidence))
    });
    let linked: Vec<&str> = asked.pages.iter().map(|p| p.page.as_str()).collect();
    let page_gaps = pages::pages(&linked, faq);
    let shown = Shown {
        listed,
        pages: show::listed_pages(&page_gaps, &asked, top),
        found,
        page_gaps,
        asked,
    };
    Ok((shown, decider.loaded.matcher.params().min_confidence))
}

/// Messages from a file: cases when it is a .toml cases file, else one a line (blank lines
/// skipped, numbered as lines).
fn from_file(path: &std::path::Path) -> Result<Asked> {
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let (texts, ids): (Vec<String>, Vec<u64>) = if is_toml {
        faqbot::eval::load_cases(path)?
            .into_iter()
            .enumerate()
            .map(|(i, case)| (case.text, i as u64))
            .unzip()
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read messages file {}: {e}", path.display()))?;
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| (line.trim().to_owned(), i as u64))
            .unzip()
    };
    Ok(Asked {
        texts,
        ids,
        known: None,
        server: None,
        pages: Vec::new(),
    })
}

/// `server`'s unmatched questions of the last `days` and of the days before (for the trend), and
/// the staff's answers with a page no entry linked over the same days.
pub(crate) fn from_db(store: &dyn Backend, server: Option<GuildId>, days: u64) -> Result<Asked> {
    let now = faqbot::time::now_ms();
    let period = faqbot::time::days_ms(days);
    let since = now.saturating_sub(period);
    let rows = faqbot::store::unanswered(store, server, since.saturating_sub(period))?;
    let mut asked = Asked {
        texts: Vec::with_capacity(rows.len()),
        ids: Vec::with_capacity(rows.len()),
        known: None,
        server,
        pages: store.staff_pages(server, since.saturating_sub(period))?,
    };
    let mut known = Vec::with_capacity(rows.len());
    for row in rows {
        asked.texts.push(row.text);
        asked.ids.push(row.message.get());
        known.push(Known {
            channel: row.channel.get(),
            user: row.user.get(),
            at_ms: row.at_ms,
        });
    }
    asked.known = Some((known, since));
    Ok(asked)
}

/// Each message's model vector, with a progress line on a terminal while many are embedded.
fn embed(
    opinion: &SecondOpinion,
    texts: &[&str],
    cache: Option<&dyn faqbot::store::Backend>,
) -> Result<Vec<Vec<f32>>> {
    let terminal = std::io::stderr().is_terminal();
    let mut shown = false;
    let vectors = opinion.vectors_cached(texts, cache, |done, of| {
        if terminal {
            eprint!("\rembedding the messages with the model: {done}/{of}");
            shown = true;
        }
    })?;
    if shown {
        eprintln!();
    }
    Ok(vectors)
}
