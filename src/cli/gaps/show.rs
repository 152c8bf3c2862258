//! What `faqbot gaps` prints: the gaps and the staff's pages as a moderator reads them, as JSON,
//! or as draft entries.

use serde::Serialize;

use faqbot::faq::Faq;
use faqbot::gaps::draft::{self, Wanted};
use faqbot::gaps::pages::{most_linked, PageGap};
use faqbot::gaps::period::{groups_in_period, in_period, InPeriod};
use faqbot::gaps::{self, Found};
use faqbot::history::page_of;
use faqbot::import::{page_entry, Site};
use faqbot::render::{message_link, one_line};
use faqbot::report::{self, GapRow};

use super::Asked;

/// A gap (or a page) as listed: its index among the gaps (or pages), its questions (in the
/// period, from the database), and the period's figures (database only).
pub(super) struct Listed {
    pub(super) index: usize,
    count: usize,
    period: Option<InPeriod>,
}

/// Everything `faqbot gaps` found, and what of it is listed.
pub(crate) struct Shown {
    pub(super) found: Found,
    pub(super) listed: Vec<Listed>,
    pub(super) page_gaps: Vec<PageGap>,
    pub(super) pages: Vec<Listed>,
    pub(super) asked: Asked,
}

/// The gaps with questions in the period (every gap, for a file), most asked first, at most `top`.
pub(super) fn listed(found: &Found, asked: &Asked, top: usize) -> Vec<Listed> {
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
                .map(from_period)
                .collect()
        }
    };
    listed.truncate(top);
    listed
}

/// The pages with answers in the period, most answered first, at most `top`.
pub(super) fn listed_pages(page_gaps: &[PageGap], asked: &Asked, top: usize) -> Vec<Listed> {
    let Some((_, since)) = &asked.known else {
        return Vec::new();
    };
    let times: Vec<(u64, u64)> = asked
        .pages
        .iter()
        .map(|p| (p.question.at_ms, p.question.user.get()))
        .collect();
    let groups = page_gaps.iter().map(|g| g.members.as_slice());
    let mut listed: Vec<Listed> = groups_in_period(groups, &times, *since)
        .into_iter()
        .map(from_period)
        .collect();
    listed.truncate(top);
    listed
}

fn from_period(period: InPeriod) -> Listed {
    Listed {
        index: period.index,
        count: period.count,
        period: Some(period),
    }
}

#[derive(Serialize)]
struct JsonFound {
    gaps: Vec<JsonGap>,
    pages: Vec<JsonPage>,
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
    /// The docs page the staff answered most of its questions with, which no entry links.
    page: Option<String>,
}

#[derive(Serialize)]
struct JsonPage {
    page: String,
    count: usize,
    askers: Option<usize>,
    /// The message ids of the questions the staff answered with it.
    members: Vec<u64>,
    representative: String,
}

impl Shown {
    /// The docs page the staff answered most of gap `index`'s questions with.
    fn page_of_gap(&self, index: usize) -> Option<(&str, usize)> {
        most_linked(&self.found.gaps[index].members, |m| self.asked.page_of(m))
    }

    pub(super) fn json(&self) -> impl Serialize {
        let asked = &self.asked;
        JsonFound {
            gaps: self
                .listed
                .iter()
                .map(|l| {
                    let gap = &self.found.gaps[l.index];
                    JsonGap {
                        label: gap.label.clone(),
                        count: l.count,
                        askers: l.period.as_ref().map(|p| p.askers),
                        members: gap.members.iter().map(|&m| asked.ids[m]).collect(),
                        representative: asked.texts[gap.central].clone(),
                        closest: gap.closest.clone(),
                        page: self.page_of_gap(l.index).map(|(page, _)| page.to_owned()),
                    }
                })
                .collect(),
            pages: self
                .pages
                .iter()
                .map(|l| {
                    let gap = &self.page_gaps[l.index];
                    JsonPage {
                        page: gap.page.clone(),
                        count: l.count,
                        askers: l.period.as_ref().map(|p| p.askers),
                        members: gap
                            .members
                            .iter()
                            .map(|&i| asked.pages[i].question.message.get())
                            .collect(),
                        representative: asked.pages[gap.members[0]].question.text.clone(),
                    }
                })
                .collect(),
            noise: self.found.noise,
        }
    }

    /// The gaps, then the staff's pages, as a moderator reads them.
    pub(super) fn report(&self, faq: &Faq, days: u64, answers_at: f32) -> String {
        let asked = &self.asked;
        let from = match &asked.known {
            Some(_) => format!("unmatched questions of {}", faqbot::time::period(days)),
            None => "messages".to_owned(),
        };
        let mut out = format!(
            "{} gaps in {} {from} ({} joined none).\n",
            self.found.gaps.len(),
            asked.texts.len(),
            self.found.noise
        );
        if self.listed.is_empty() {
            out += "Nothing is asked often enough to be a gap (3 alike questions make one).\n";
        }
        for (n, l) in self.listed.iter().enumerate() {
            let gap = &self.found.gaps[l.index];
            out += &format!("\n{}. \"{}\": {} questions", n + 1, gap.label, l.count);
            out += &figures(l, days);
            for (i, &m) in std::iter::once(&gap.central).chain(&gap.more).enumerate() {
                out += &quoted(i, &asked.texts[m], &link(asked, m));
            }
            let page = self.page_of_gap(l.index);
            if let Some((page, n)) = page {
                out += &format!(
                    "   The staff answered {n} of these with {page}, which no entry links.\n"
                );
            }
            out += &format!("   {}\n", action(gap, page, faq, answers_at));
        }
        if !self.pages.is_empty() {
            out += "\nDocs pages the staff answered with that no entry links:\n";
        }
        for (n, l) in self.pages.iter().enumerate() {
            let gap = &self.page_gaps[l.index];
            out += &format!(
                "\n{}. The staff answered {} questions with {}; no entry links it.\n",
                n + 1,
                l.count,
                gap.page
            );
            if let Some(p) = &l.period {
                out += &format!(
                    "   Asked by {} members, {} to {} ({} in the {days} days before).\n",
                    p.askers,
                    faqbot::time::day_of(p.first_ms),
                    faqbot::time::day_of(p.last_ms),
                    p.before
                );
            }
            let newest = gap
                .members
                .iter()
                .rev()
                .take(1 + gaps::params::MORE_EXAMPLES);
            for (i, &m) in newest.enumerate() {
                let question = &asked.pages[m].question;
                let link = asked.server.map_or(String::new(), |server| {
                    let link =
                        message_link(server.get(), question.channel.get(), question.message.get());
                    format!(" {link}")
                });
                out += &quoted(i, &question.text, &link);
            }
            out += &format!("   {PAGE_ACTION}\n");
        }
        out
    }

    /// The gaps and pages listed, for the statistics page, each with its questions a day over
    /// the `days` of the period (database only).
    pub(crate) fn html(&self, faq: &Faq, days: u64, answers_at: f32) -> report::Gaps {
        let Some((known, since)) = &self.asked.known else {
            return report::Gaps::default();
        };
        // Calendar days (UTC), as the statistics' other charts count them.
        let day = |at_ms: u64| at_ms / faqbot::time::DAY_MS;
        let (since, first) = (*since, day(*since));
        let last = day(since + faqbot::time::days_ms(days)).max(first);
        let per_day = |times: &mut dyn Iterator<Item = u64>| {
            let mut counts = vec![0; (last - first + 1) as usize];
            for at in times.filter(|&at| at >= since) {
                counts[(day(at).min(last) - first) as usize] += 1;
            }
            counts
        };
        let row = |l: &Listed, title: String, example: &str, action: String, day_counts| {
            let period = l.period.as_ref();
            GapRow {
                title,
                count: l.count,
                askers: period.map_or(0, |p| p.askers),
                before: period.map_or(0, |p| p.before),
                example: one_line(example, 120),
                action,
                per_day: day_counts,
            }
        };
        let gaps = self.listed.iter().map(|l| {
            let gap = &self.found.gaps[l.index];
            let page = self.page_of_gap(l.index);
            let counts = per_day(&mut gap.members.iter().map(|&m| known[m].at_ms));
            let action = action(gap, page, faq, answers_at);
            row(
                l,
                gap.label.clone(),
                &self.asked.texts[gap.central],
                action,
                counts,
            )
        });
        let pages = self.pages.iter().map(|l| {
            let gap = &self.page_gaps[l.index];
            let answers = &self.asked.pages;
            let counts = per_day(&mut gap.members.iter().map(|&m| answers[m].question.at_ms));
            let newest = &answers[gap.members[gap.members.len() - 1]].question.text;
            row(l, gap.page.clone(), newest, PAGE_ACTION.to_owned(), counts)
        });
        report::Gaps {
            gaps: gaps.collect(),
            pages: pages.collect(),
            first_day: faqbot::time::day_of(first * faqbot::time::DAY_MS),
            last_day: faqbot::time::day_of(last * faqbot::time::DAY_MS),
            note: None,
        }
    }

    /// A draft for each gap listed, and for each page listed that no gap's draft links already;
    /// with `site`, each linking a page of it answers with the page's text.
    pub(super) fn drafts(&self, faq: &Faq, mut site: Option<&mut Site>) -> String {
        let texts: Vec<&str> = self.asked.texts.iter().map(String::as_str).collect();
        let mut answer =
            |link: Option<&str>| link.and_then(|link| page_entry(site.as_deref_mut()?, link));
        let mut wanted: Vec<Wanted> = Vec::new();
        for l in &self.listed {
            let gap = &self.found.gaps[l.index];
            let link = self.page_of_gap(l.index).map(|(page, _)| page.to_owned());
            wanted.push(Wanted {
                about: format!("the gap \"{}\" ({} messages)", gap.label, gap.members.len()),
                name: gap.label.clone(),
                questions: draft::questions(gap, &texts),
                closest: gap.closest.clone(),
                page: answer(link.as_deref()),
                link,
            });
        }
        for l in &self.pages {
            let gap = &self.page_gaps[l.index];
            let drafted = wanted
                .iter()
                .any(|w| w.link.as_deref().and_then(page_of) == page_of(&gap.page));
            if drafted {
                continue;
            }
            let mut questions: Vec<&str> = Vec::new();
            for &m in gap.members.iter().rev() {
                let text = self.asked.pages[m].question.text.as_str();
                if !questions.contains(&text) {
                    questions.push(text);
                }
            }
            wanted.push(Wanted {
                about: format!(
                    "the page {} (the staff answered {} questions with it)",
                    gap.page,
                    gap.members.len()
                ),
                name: page_name(&gap.page),
                questions,
                page: answer(Some(&gap.page)),
                link: Some(gap.page.clone()),
                ..Wanted::default()
            });
        }
        draft::drafts(&wanted, faq)
    }
}

/// What to do about a gap: nothing (the bot answers these), teach the entry it is close to, or
/// write an entry (for the staff's page, when they answered with one).
fn action(gap: &gaps::Gap, page: Option<(&str, usize)>, faq: &Faq, answers_at: f32) -> String {
    match &gap.closest {
        // Offline messages are not all unmatched: the bot would answer these.
        Some(c) if c.confidence >= answers_at => format!(
            "`{}` answers these (confidence {:.2}): the bot suggests it for questions like them.",
            c.id, c.confidence
        ),
        Some(c) if faq.get(&c.id).is_some() => format!(
            "Close to `{}` (confidence {:.2}): the matcher misses these; link a few of them to `{}`.",
            c.id, c.confidence, c.id
        ),
        _ if page.is_some() => "No entry is close: write one for that page (`faqbot gaps --draft --root DIR --site URL` drafts it from the page).".to_owned(),
        _ => "No entry is close: write one (`faqbot gaps --draft` drafts it).".to_owned(),
    }
}

/// What the statistics page shows of a page the staff answered with.
const PAGE_ACTION: &str =
    "Write an entry for it (`faqbot gaps --draft --root DIR --site URL` drafts one from the page).";

/// A listed gap's figures: who asked and when, against the period before (database only).
fn figures(l: &Listed, days: u64) -> String {
    match &l.period {
        Some(p) => format!(
            " from {} members, {} to {} ({} in the {days} days before)\n",
            p.askers,
            faqbot::time::day_of(p.first_ms),
            faqbot::time::day_of(p.last_ms),
            p.before
        ),
        None => "\n".to_owned(),
    }
}

/// A question quoted on its line, the first led by "asked:".
fn quoted(i: usize, text: &str, link: &str) -> String {
    let lead = if i == 0 { "   asked: " } else { "          " };
    format!("{lead}\"{}\"{link}\n", one_line(text, 120))
}

/// The last words of a page's address and its anchor, for a draft's id:
/// `…/setup/backup-schedule#weekly` gives "backup schedule weekly".
fn page_name(page: &str) -> String {
    let (path, anchor) = page.split_once('#').unwrap_or((page, ""));
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or(path);
    let last = last.trim_end_matches(".md").trim_end_matches(".html");
    format!("{last} {anchor}").trim().replace(['-', '_'], " ")
}

/// A message's Discord link, when it came from a server's database.
fn link(asked: &Asked, m: usize) -> String {
    match (&asked.known, asked.server) {
        (Some((known, _)), Some(server)) => {
            format!(
                " {}",
                message_link(server.get(), known[m].channel, asked.ids[m])
            )
        }
        _ => String::new(),
    }
}
