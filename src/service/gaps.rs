//! The gaps of one server's FAQ (`/faq-admin gaps` and the weekly digest): its unmatched
//! questions of a period, grouped by meaning, each diagnosed by the FAQ in service, and the docs
//! pages its moderators answered with that no entry links (their replies are kept here as they
//! come); and the claim that makes the digest once a week.

use super::{Service, ServiceError};
use crate::gaps::pages::{self, PageGap};
use crate::gaps::period::{self, InPeriod};
use crate::gaps::{self, Found, Similarity};
use crate::history::Links;
use crate::ids::{MessageId, UserId};
use crate::store::{self, Record, StaffPage, Unmatched};

/// The days a weekly digest looks back over (against as many before, for what is new or
/// growing): a week, the digest's own rhythm.
pub const DIGEST_DAYS: u64 = 7;

/// The week `at_ms` falls in, counted from the Unix epoch, weeks starting on Monday 00:00 UTC
/// (the epoch was a Thursday, hence the three days).
pub fn week_of(at_ms: u64) -> u64 {
    (at_ms / crate::time::DAY_MS + 3) / 7
}

/// A staff member's reply in a watched place, as the service needs it.
#[derive(Debug, Clone)]
pub struct StaffReply {
    pub reply: MessageId,
    pub by: UserId,
    /// The links it holds (in its text, embeds and buttons).
    pub links: Vec<String>,
    /// The message it replies to.
    pub asked: Unmatched,
    /// Whether a bot or a webhook wrote the message it replies to.
    pub asked_by_bot: bool,
}

/// The questions read (of the period and the one before), the gaps found among them, the staff's
/// answers with a page no entry links and those pages, and when the period starts.
pub struct Gaps {
    pub asked: Vec<Unmatched>,
    pub found: Found,
    pub answers: Vec<StaffPage>,
    pub pages: Vec<PageGap>,
    pub since_ms: u64,
}

impl Gaps {
    /// The gaps with questions in the period, most asked first, with their figures.
    pub fn in_period(&self) -> Vec<InPeriod> {
        let times: Vec<(u64, u64)> = self.asked.iter().map(|a| (a.at_ms, a.user.get())).collect();
        period::in_period(&self.found, &times, self.since_ms)
    }

    /// The pages with answers in the period, most answered first, with their figures.
    pub fn pages_in_period(&self) -> Vec<InPeriod> {
        let times: Vec<(u64, u64)> = self
            .answers
            .iter()
            .map(|a| (a.question.at_ms, a.question.user.get()))
            .collect();
        let groups = self.pages.iter().map(|p| p.members.as_slice());
        period::groups_in_period(groups, &times, self.since_ms)
    }

    /// Questions asked in the period.
    pub fn asked_in_period(&self) -> usize {
        self.asked
            .iter()
            .filter(|a| a.at_ms >= self.since_ms)
            .count()
    }
}

impl Service {
    /// Takes this server's digest of the week `now_ms` falls in: true once per week, whatever
    /// restarts or processes ask.
    pub fn claim_digest(&self, now_ms: u64) -> Result<bool, ServiceError> {
        self.store()
            .backend()
            .claim_digest(self.server, week_of(now_ms))
            .map_err(ServiceError::Store)
    }

    /// Keeps a staff member's reply that links a docs page no entry links, when it answers a
    /// member's question, for the gaps (as `learn history` keeps the past's). Whether it was kept.
    pub fn staff_reply(&self, reply: &StaffReply) -> bool {
        let asked = &reply.asked;
        if reply.asked_by_bot || asked.user == reply.by || !store::may_be_a_question(&asked.text) {
            return false;
        }
        let links = Links::new(&self.current().faq);
        let Some(page) = links.missing_page(&reply.links) else {
            return false;
        };
        let question = Unmatched {
            text: store::cut_text(&asked.text).to_owned(),
            ..asked.clone()
        };
        self.store().record(Record::StaffPage(StaffPage {
            guild: Some(self.server),
            page,
            question,
            reply: reply.reply,
            by: reply.by,
        }));
        true
    }

    /// This server's gaps over the last `days` (grouped with the `days` before, for the trend):
    /// by the model's vectors when the bot has the model, else by words. Slow on a large period (the model embeds each question): call it off the
    /// async workers.
    pub fn gaps(&self, days: u64, now_ms: u64) -> Result<Gaps, ServiceError> {
        self.store().flush();
        let period = crate::time::days_ms(days);
        let since = now_ms.saturating_sub(period);
        let asked = crate::store::unanswered(
            self.store().backend(),
            Some(self.server),
            since.saturating_sub(period),
        )
        .map_err(ServiceError::Store)?;
        let texts: Vec<&str> = asked.iter().map(|a| a.text.as_str()).collect();
        let opinion = self.second_opinion();
        // Cached in the server's store, where `forget --user` and `keep_days` reach them with the
        // questions: each question is embedded once, not at every look.
        let model_vectors = opinion.and_then(|opinion| {
            opinion
                .vectors_cached(&texts, Some(self.store().backend()), |done, of| {
                    tracing::info!("embedding the unmatched questions: {done} of {of}");
                })
                .inspect_err(|error| {
                    tracing::warn!("the model failed on the gaps' questions, words decide: {error}")
                })
                .ok()
        });
        let similarity = match model_vectors {
            Some(vectors) => Similarity::with_model(vectors),
            None => Similarity::of_words(&texts),
        };
        let loaded = self.current();
        let mut found = gaps::find(&texts, &similarity);
        let every = 0..found.gaps.len();
        gaps::diagnose(&mut found, every, &texts, |text| {
            let decision = loaded.decide(opinion, text, 1);
            decision
                .matches
                .first()
                .map(|m| (m.id.to_owned(), m.confidence))
        });
        let answers = self
            .store()
            .backend()
            .staff_pages(Some(self.server), since.saturating_sub(period))
            .map_err(ServiceError::Store)?;
        let linked: Vec<&str> = answers.iter().map(|a| a.page.as_str()).collect();
        let pages = pages::pages(&linked, &loaded.faq);
        Ok(Gaps {
            asked,
            found,
            answers,
            pages,
            since_ms: since,
        })
    }
}
