//! `faqbot gaps`: what members keep asking that no entry answers, from the bot's database (its
//! unmatched questions) or from a file of messages, with draft entries to close the gaps.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use faqbot::faq::Faq;
use faqbot::gaps::period::{in_period, InPeriod};
use faqbot::gaps::{self, draft::drafts, Found, Similarity};
use faqbot::ids::GuildId;
use faqbot::render::one_line;
use faqbot::second_opinion::SecondOpinion;

use super::args::{FaqArg, ModelArg, ServerArg};
use super::decider::Decider;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
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
    /// How many gaps to list, largest first.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Print a draft `[[entry]]` for each gap listed, to review into faq.toml.
    #[arg(long)]
    draft: bool,
    /// Print one JSON object: {"gaps": [...], "noise": N}.
    #[arg(long, conflicts_with = "draft")]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
}

/// The questions to group: their texts, and what the database knows of each.
struct Asked {
    texts: Vec<String>,
    /// Per text: its message id (from the database), or its 0-based line or case number.
    ids: Vec<u64>,
    /// From the database: where, who and when each was asked, and when the period starts (the
    /// questions before it are the trend's comparison).
    known: Option<(Vec<Known>, u64)>,
    server: Option<GuildId>,
}

struct Known {
    channel: u64,
    user: u64,
    at_ms: u64,
}

pub fn exec(args: Args) -> Result<ExitCode> {
    let faq = super::load(&args.faq.faq)?;
    let asked = match &args.messages {
        Some(file) => from_file(file)?,
        None => from_db(&args)?,
    };
    let opinion = args.model.load()?;
    let params = faqbot::matcher::Params::default();
    let db = args.messages.is_none().then_some(args.db.as_path());
    let decider = Decider::with(&faq, db, args.server.id, &params, opinion.as_ref(), None)?;
    let texts: Vec<&str> = asked.texts.iter().map(String::as_str).collect();
    let similarity = match &opinion {
        // A file's messages are cached in the model folder, as `match` and `eval` cache theirs;
        // members' questions from the database are not, so that `forget` and `keep_days` reach
        // everything kept of them.
        Some(opinion) => {
            let cache = args
                .messages
                .is_some()
                .then(|| args.model.vector_cache())
                .flatten();
            Similarity::with_model(embed(opinion, &texts, cache.as_deref())?)
        }
        None => Similarity::of_words(&texts),
    };
    let found = gaps::find(&texts, &similarity, |text| {
        let decision = decider.decide(text, 1);
        decision
            .matches
            .first()
            .map(|m| (m.id.to_owned(), m.confidence))
    });
    let listed = listed(&found, &asked, args.top);
    if args.draft {
        let found = Found {
            gaps: listed.iter().map(|g| found.gaps[g.index].clone()).collect(),
            noise: found.noise,
        };
        print!("{}", drafts(&found, &texts, &faq));
    } else if args.json {
        println!("{}", serde_json::to_string(&json(&found, &asked, &listed))?);
    } else {
        let answers_at = decider.loaded.matcher.params().min_confidence;
        print!(
            "{}",
            report(&found, &asked, &listed, &faq, args.days, answers_at)
        );
    }
    Ok(ExitCode::SUCCESS)
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
    })
}

/// The unmatched questions of the period and of the one before (for the trend).
fn from_db(args: &Args) -> Result<Asked> {
    let store = super::existing_db(&args.db)?;
    let server = super::server(store.as_ref(), args.server.id)?;
    let now = faqbot::time::now_ms();
    let period = faqbot::time::days_ms(args.days);
    let since = now.saturating_sub(period);
    let rows = faqbot::store::unanswered(store.as_ref(), server, since.saturating_sub(period))?;
    let mut asked = Asked {
        texts: Vec::with_capacity(rows.len()),
        ids: Vec::with_capacity(rows.len()),
        known: None,
        server,
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

/// A gap as listed: its index in `found`, its questions (in the period, from the database), and
/// the period's figures (database only).
struct Listed {
    index: usize,
    count: usize,
    period: Option<InPeriod>,
}

/// The gaps with questions in the period (every gap, for a file), most asked first, at most `top`.
fn listed(found: &Found, asked: &Asked, top: usize) -> Vec<Listed> {
    let mut listed: Vec<Listed> = match &asked.known {
        None => found
            .gaps
            .iter()
            .enumerate()
            .map(|(index, gap)| Listed {
                index,
                count: gap.members.len(),
                period: None,
            })
            .collect(),
        Some((known, since)) => {
            let times: Vec<(u64, u64)> = known.iter().map(|k| (k.at_ms, k.user)).collect();
            in_period(found, &times, *since)
                .into_iter()
                .map(|period| Listed {
                    index: period.index,
                    count: period.count,
                    period: Some(period),
                })
                .collect()
        }
    };
    listed.truncate(top);
    listed
}

#[derive(Serialize)]
struct JsonFound {
    gaps: Vec<JsonGap>,
    noise: usize,
}

#[derive(Serialize)]
struct JsonGap {
    label: String,
    count: usize,
    askers: Option<usize>,
    /// Message ids (database) or 0-based line or case numbers (file).
    members: Vec<u64>,
    representative: String,
    closest: Option<gaps::Closest>,
}

fn json(found: &Found, asked: &Asked, listed: &[Listed]) -> JsonFound {
    JsonFound {
        gaps: listed
            .iter()
            .map(|l| {
                let gap = &found.gaps[l.index];
                JsonGap {
                    label: gap.label.clone(),
                    count: l.count,
                    askers: l.period.as_ref().map(|p| p.askers),
                    members: gap.members.iter().map(|&m| asked.ids[m]).collect(),
                    representative: asked.texts[gap.central].clone(),
                    closest: gap.closest.clone(),
                }
            })
            .collect(),
        noise: found.noise,
    }
}

/// The gaps as a moderator reads them.
fn report(
    found: &Found,
    asked: &Asked,
    listed: &[Listed],
    faq: &Faq,
    days: u64,
    answers_at: f32,
) -> String {
    let from = match &asked.known {
        Some(_) => format!("unmatched questions of {}", faqbot::time::period(days)),
        None => "messages".to_owned(),
    };
    let mut out = format!(
        "{} gaps in {} {from} ({} joined none).\n",
        found.gaps.len(),
        asked.texts.len(),
        found.noise
    );
    if listed.is_empty() {
        out += "Nothing is asked often enough to be a gap (3 alike questions make one).\n";
        return out;
    }
    for (n, l) in listed.iter().enumerate() {
        let gap = &found.gaps[l.index];
        out += &format!("\n{}. \"{}\": {} questions", n + 1, gap.label, l.count);
        if let Some(p) = &l.period {
            out += &format!(
                " from {} members, {} to {} ({} in the {days} days before)",
                p.askers,
                faqbot::time::day_of(p.first_ms),
                faqbot::time::day_of(p.last_ms),
                p.before
            );
        }
        out += "\n";
        for (i, &m) in std::iter::once(&gap.central).chain(&gap.more).enumerate() {
            let lead = if i == 0 { "   asked: " } else { "          " };
            out += &format!(
                "{lead}\"{}\"{}\n",
                one_line(&asked.texts[m], 120),
                link(asked, m)
            );
        }
        out += &match &gap.closest {
            // Offline messages are not all unmatched: the bot would answer these.
            Some(c) if c.confidence >= answers_at => format!(
                "   `{}` answers these (confidence {:.2}): the bot suggests it for questions like them.\n",
                c.id, c.confidence
            ),
            Some(c) if faq.get(&c.id).is_some() => format!(
                "   Close to `{}` (confidence {:.2}): the matcher misses these; link a few of them to `{}`.\n",
                c.id, c.confidence, c.id
            ),
            _ => "   No entry is close: write one (`faqbot gaps --draft` drafts it).\n".to_owned(),
        };
    }
    out
}

/// A message's Discord link, when it came from a server's database.
fn link(asked: &Asked, m: usize) -> String {
    match (&asked.known, asked.server) {
        (Some((known, _)), Some(server)) => format!(
            " https://discord.com/channels/{server}/{}/{}",
            known[m].channel, asked.ids[m]
        ),
        _ => String::new(),
    }
}
