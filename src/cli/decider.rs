//! How `match` and `eval` decide on a message: as the bot does, through [`Loaded`].

use std::path::Path;

use faqbot::faq::Faq;
use faqbot::matcher::{Decision, Learned, Params};
use faqbot::second_opinion::SecondOpinion;
use faqbot::service::{learned, Loaded};

use super::Result;
use super::{examples, existing_db};

/// The FAQ's matcher (with the examples learned in a database when given), and the model's
/// second opinion when its files are there.
pub struct Decider<'o> {
    pub loaded: Loaded,
    opinion: Option<&'o SecondOpinion>,
}

impl<'o> Decider<'o> {
    pub fn with(
        faq: &Faq,
        db: Option<&Path>,
        server: Option<u64>,
        params: &Params,
        opinion: Option<&'o SecondOpinion>,
        cache: Option<std::sync::Arc<dyn faqbot::store::Backend>>,
    ) -> Result<Decider<'o>> {
        let store = db.map(existing_db).transpose()?;
        let learned = match &store {
            Some(store) => learned(&examples(store.as_ref(), server)?),
            None => Learned::default(),
        };
        let mut loaded = Loaded::new(faq.clone(), &learned, params);
        if let Some(opinion) = opinion {
            // The database's cache when one is given, else the model folder's.
            let cache = store.or(cache);
            loaded.vectors = Some(opinion.index(faq, &learned, cache.as_deref())?);
        }
        Ok(Decider { loaded, opinion })
    }

    pub fn decide(&self, text: &str, limit: usize) -> Decision<'_> {
        self.loaded.decide(self.opinion, text, limit)
    }
}
