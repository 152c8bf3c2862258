//! The matcher's second opinion in the bot: the model loaded once, the entries' vectors cached in
//! the store, and the model run on a bounded number of messages at a time.
//!
//! The model runs only where it can change the decision: on a message the lexical side finds some
//! entry for. When every slot is busy, the lexical decision stands and the message is counted, so
//! a flood costs the bot its second opinion, never its replies.

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::faq::Faq;
use crate::matcher::opinion::{self, EntryVectors, MessageVectors};
use crate::matcher::{Decision, Learned, Matcher};
use crate::model::files::Files;
use crate::model::onnx::OnnxEncoder;
use crate::model::Encoder;
use crate::model::ModelError;
use crate::store::{text_hash, Backend};

/// Messages the model may read at once. The model runs on one thread each; two keep one core for
/// the rest of the bot on a two-core machine, and a third message waits for none of them.
pub const SLOTS: usize = 2;

/// Counts since start, for `/faq-admin status`.
#[derive(Debug, Default)]
pub struct Counts {
    /// Messages the model read.
    pub consulted: AtomicU64,
    /// Messages decided by words alone because every slot was busy.
    pub busy: AtomicU64,
    /// Messages decided by words alone because the model failed on them.
    pub failed: AtomicU64,
}

pub struct SecondOpinion {
    encoder: Arc<dyn Encoder>,
    in_flight: AtomicUsize,
    slots: usize,
    pub counts: Counts,
}

/// What became of the model's files at start.
pub enum Loading {
    Ready(SecondOpinion),
    /// The files are not there: the bot runs on words alone.
    Absent,
}

impl SecondOpinion {
    pub fn new(encoder: Arc<dyn Encoder>, slots: usize) -> SecondOpinion {
        SecondOpinion {
            encoder,
            in_flight: AtomicUsize::new(0),
            slots: slots.max(1),
            counts: Counts::default(),
        }
    }

    /// Loads the model from `dir`: absent files are not an error (words alone decide), wrong or
    /// unloadable ones are, in one line.
    pub fn load(dir: &Path) -> Result<Loading, ModelError> {
        let files = Files::in_dir(dir);
        if !files.present() {
            return Ok(Loading::Absent);
        }
        let encoder = OnnxEncoder::load(&files)?;
        Ok(Loading::Ready(SecondOpinion::new(Arc::new(encoder), SLOTS)))
    }

    pub fn model(&self) -> &str {
        self.encoder.name()
    }

    /// The vectors of every entry's texts, from the cache where it has them; the others are
    /// embedded (saying how far it got on a large FAQ) and cached. A cache that fails is read
    /// around, never a reason to stop.
    pub fn index(
        &self,
        faq: &Faq,
        learned: &Learned,
        cache: Option<&dyn Backend>,
    ) -> Result<EntryVectors, ModelError> {
        let per_entry = learned.examples_per_entry(faq);
        let entries = opinion::entry_texts(faq, &per_entry);
        let texts: Vec<&str> = entries
            .iter()
            .flat_map(|e| e.texts.iter().copied().chain([e.answer]))
            .collect();
        let vectors = self.vectors_cached(&texts, cache, |done, of| {
            tracing::info!("embedding the FAQ's texts: {done} of {of}");
        })?;
        EntryVectors::new(&entries, &vectors).ok_or_else(|| {
            ModelError::Inference("the model gave vectors of different lengths".to_owned())
        })
    }

    /// The sentence vector of each text: from the cache where it has them, the others embedded
    /// (telling `progress` how far it got, every 64, when more than 256 are missing) and cached.
    /// A cache that fails is read around, never a reason to stop.
    pub fn vectors_cached(
        &self,
        texts: &[&str],
        cache: Option<&dyn Backend>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>, ModelError> {
        let hashes: Vec<_> = texts.iter().map(|t| text_hash(t)).collect();
        let model = self.encoder.name();
        let mut vectors: Vec<Option<Vec<f32>>> = match cache.map(|c| c.vectors(model, &hashes)) {
            Some(Ok(found)) => found,
            Some(Err(error)) => {
                tracing::warn!("cannot read cached vectors ({error}); embedding the texts again");
                vec![None; texts.len()]
            }
            None => vec![None; texts.len()],
        };
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| vectors[i].is_none()).collect();
        let started = Instant::now();
        let mut made = Vec::with_capacity(missing.len());
        for (done, chunk) in missing.chunks(64).enumerate() {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in chunk.iter().zip(self.encoder.encode(&batch)?) {
                made.push((hashes[i], vector.clone()));
                vectors[i] = Some(vector);
            }
            if missing.len() > 256 {
                progress(((done + 1) * 64).min(missing.len()), missing.len());
            }
        }
        if !made.is_empty() {
            tracing::info!(
                "embedded {} of {} texts in {:.1} s",
                made.len(),
                texts.len(),
                started.elapsed().as_secs_f64()
            );
            if let Some(Err(error)) = cache.map(|c| c.save_vectors(model, &made)) {
                tracing::warn!("cannot cache the vectors ({error}); they are made again next time");
            }
        }
        Ok(vectors.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// The decision on `text`: the lexical one, or the second opinion's where the model can change
    /// it and a slot is free.
    pub fn decide<'a>(
        &self,
        matcher: &'a Matcher,
        vectors: &EntryVectors,
        text: &str,
        limit: usize,
    ) -> Decision<'a> {
        matcher.decide_with(text, vectors, limit, || {
            let Some(_slot) = self.slot() else {
                self.counts.busy.fetch_add(1, Ordering::Relaxed);
                return None;
            };
            match self.embed(text) {
                Ok(message) => {
                    self.counts.consulted.fetch_add(1, Ordering::Relaxed);
                    Some(message)
                }
                Err(error) => {
                    self.counts.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("the model failed on a message, words alone decide: {error}");
                    None
                }
            }
        })
    }

    /// The vectors of a message and its parts.
    pub fn embed(&self, text: &str) -> Result<MessageVectors, ModelError> {
        let parts = opinion::parts(text);
        let mut texts = Vec::with_capacity(parts.len() + 1);
        texts.push(text);
        texts.extend(parts);
        let mut vectors = self.encoder.encode(&texts)?.into_iter();
        Ok(MessageVectors {
            whole: vectors.next().unwrap_or_default(),
            parts: vectors.collect(),
        })
    }

    fn slot(&self) -> Option<Slot<'_>> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.slots).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(&self.in_flight))
    }
}

/// A message's turn with the model; the slot is free again when it is dropped.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A stand-in model: a text's vector counts its words in a few buckets, so texts sharing
    /// words are close. It counts the texts it was asked for, can fail, and can hold a message
    /// until told to go on.
    #[derive(Default)]
    struct Fake {
        encoded: AtomicUsize,
        fail: std::sync::atomic::AtomicBool,
        hold: Mutex<()>,
    }

    impl Encoder for Fake {
        fn name(&self) -> &str {
            "fake"
        }

        fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
            let _held = self.hold.lock().unwrap();
            if self.fail.load(Ordering::Relaxed) {
                return Err(ModelError::Inference("fake failure".into()));
            }
            self.encoded.fetch_add(texts.len(), Ordering::Relaxed);
            Ok(texts
                .iter()
                .map(|text| {
                    let mut v = vec![0.0f32; 16];
                    for word in text.to_lowercase().split_whitespace() {
                        let bucket = word.bytes().map(usize::from).sum::<usize>() % 16;
                        v[bucket] += 1.0;
                    }
                    crate::model::mean_pool(&v, 16)
                })
                .collect())
        }
    }

    fn faq() -> Faq {
        Faq::parse(
            "[[entry]]\nid = \"500-error\"\nquestion = \"I get a 500 error\"\nanswer = \"Restart it.\"\n\
             [[entry]]\nid = \"cost\"\nquestion = \"What does CIPP cost to run?\"\nanswer = \"Little.\"\n",
            "faq.toml",
        )
        .unwrap()
    }

    fn temp_db(name: &str) -> Arc<dyn Backend> {
        let path =
            std::env::temp_dir().join(format!("faqbot-opinion-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        crate::store::open(&path).unwrap()
    }

    #[test]
    fn entry_vectors_are_cached_by_model_and_text() {
        let fake = Arc::new(Fake::default());
        let opinion = SecondOpinion::new(fake.clone(), 1);
        let db = temp_db("cache");
        let faq = faq();
        let first = opinion
            .index(&faq, &Learned::default(), Some(db.as_ref()))
            .unwrap();
        // Two questions and two answers.
        assert_eq!(fake.encoded.load(Ordering::Relaxed), 4);
        assert_eq!(first.entries(), 2);
        opinion
            .index(&faq, &Learned::default(), Some(db.as_ref()))
            .unwrap();
        assert_eq!(
            fake.encoded.load(Ordering::Relaxed),
            4,
            "read from the cache"
        );
        // A learned example is one new text: only it is embedded.
        let learned = Learned {
            examples: vec![("cost".into(), "how much is the azure bill".into())],
            negatives: vec![],
        };
        opinion.index(&faq, &learned, Some(db.as_ref())).unwrap();
        assert_eq!(fake.encoded.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn the_words_decide_when_the_model_is_busy_or_fails_and_it_is_counted() {
        let fake = Arc::new(Fake::default());
        let opinion = Arc::new(SecondOpinion::new(fake.clone(), 1));
        let faq = faq();
        let matcher = Matcher::new(&faq);
        let vectors = opinion.index(&faq, &Learned::default(), None).unwrap();
        let text = "I get a 500 error on every page";
        assert!(opinion.decide(&matcher, &vectors, text, 3).by_model);
        assert_eq!(opinion.counts.consulted.load(Ordering::Relaxed), 1);

        // A message the words find nothing for never reaches the model.
        assert!(
            !opinion
                .decide(&matcher, &vectors, "good morning", 3)
                .by_model
        );
        assert_eq!(opinion.counts.consulted.load(Ordering::Relaxed), 1);

        // One slot, held by a message the model is still reading: the next is decided by words.
        let held = fake.hold.lock().unwrap();
        let reading = {
            let (opinion, faq) = (opinion.clone(), faq.clone());
            let vectors = vectors.clone();
            std::thread::spawn(move || {
                let matcher = Matcher::new(&faq);
                opinion.decide(&matcher, &vectors, text, 3).by_model
            })
        };
        while opinion.in_flight.load(Ordering::Acquire) == 0 {
            std::thread::yield_now();
        }
        let busy = opinion.decide(&matcher, &vectors, text, 3);
        assert!(!busy.by_model);
        assert_eq!(busy.matches[0].id, "500-error");
        assert_eq!(opinion.counts.busy.load(Ordering::Relaxed), 1);
        drop(held);
        assert!(reading.join().unwrap());

        fake.fail.store(true, Ordering::Relaxed);
        let failed = opinion.decide(&matcher, &vectors, text, 3);
        assert!(!failed.by_model);
        assert_eq!(failed.matches[0].id, "500-error");
        assert_eq!(opinion.counts.failed.load(Ordering::Relaxed), 1);
        assert_eq!(
            opinion.in_flight.load(Ordering::Acquire),
            0,
            "every slot is free again"
        );
    }

    #[test]
    fn absent_files_mean_words_alone_and_wrong_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("faqbot-nomodel-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(SecondOpinion::load(&dir), Ok(Loading::Absent)));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(crate::model::files::QUANTIZED.file), b"x").unwrap();
        std::fs::write(dir.join(crate::model::files::RUNTIME.file), b"y").unwrap();
        let Err(error) = SecondOpinion::load(&dir) else {
            panic!("a wrong model file was accepted")
        };
        assert!(matches!(error, ModelError::NotPinned { .. }), "{error}");
        let said = error.to_string();
        assert!(
            said.contains("not the pinned") && !said.contains('\n'),
            "{said}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
