//! Meaning beyond shared words: static word-piece vectors distilled from the all-MiniLM-L6-v2
//! sentence-embedding model (Apache 2.0), so that "get cash anywhere" lands near "ATM".
//!
//! The table (`data/minilm-static-128.bin`, made by `scripts/static-embeddings/`) holds one
//! 128-dimension vector per word piece of the model's vocabulary: the model's output for that piece
//! alone, centred and reduced by PCA, stored as bytes with a scale per row. A text's vector is the
//! sum of its pieces' vectors, each weighted by how rare the piece is among the FAQ's entries, then
//! normalised. No model runs at start-up or per message: a message costs one table lookup per
//! word piece and one dot product per text of the few entries it is compared with.

use std::ops::Range;
use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

use crate::faq::Faq;

const TABLE: &[u8] = include_bytes!("../../data/minilm-static-128.bin");
pub const DIMS: usize = 128;
/// Word pieces read from one text: bounds the work on long pastes.
const MAX_PIECES: usize = 256;
/// Longer words are not split into pieces (BERT calls them unknown too).
const MAX_PIECE_WORD_CHARS: usize = 100;

/// The vocabulary and vectors, read once from the embedded table.
struct Table {
    pieces: HashMap<&'static str, u32>,
    scales: Vec<f32>,
    vectors: &'static [u8],
}

fn table() -> &'static Table {
    static TABLE_ONCE: OnceLock<Table> = OnceLock::new();
    TABLE_ONCE.get_or_init(|| {
        let read_u32 = |at: usize| {
            u32::from_le_bytes([TABLE[at], TABLE[at + 1], TABLE[at + 2], TABLE[at + 3]])
        };
        assert_eq!(&TABLE[..4], b"FQSE", "the embedded vector table is damaged");
        let count = read_u32(8) as usize;
        assert_eq!(read_u32(12) as usize, DIMS);
        let scales_at = 16;
        let vectors_at = scales_at + 4 * count;
        let vocab_at = vectors_at + DIMS * count;
        let scales = TABLE[scales_at..vectors_at]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let vocab = std::str::from_utf8(&TABLE[vocab_at..]).expect("the vocabulary is UTF-8");
        let pieces = vocab
            .split('\n')
            .enumerate()
            .map(|(id, piece)| (piece, id as u32))
            .collect::<HashMap<_, _>>();
        Table {
            pieces,
            scales,
            vectors: &TABLE[vectors_at..vocab_at],
        }
    })
}

impl Table {
    fn add_vector(&self, piece: u32, weight: f32, into: &mut [f32]) {
        let row = piece as usize;
        let scale = self.scales[row] * weight;
        let bytes = &self.vectors[row * DIMS..(row + 1) * DIMS];
        for (sum, &b) in into.iter_mut().zip(bytes) {
            *sum += scale * f32::from(b as i8);
        }
    }

    /// The word-piece ids of `text`, as BERT's uncased tokenizer splits it (unknown words left out).
    fn pieces(&self, text: &str) -> Vec<u32> {
        self.pieces_up_to(text, MAX_PIECES, None)
    }

    /// At most `max` word-piece ids of `text`; a word without pieces becomes `unknown` if given.
    fn pieces_up_to(&self, text: &str, max: usize, unknown: Option<u32>) -> Vec<u32> {
        // The same text as the lexical side reads.
        let mut ids = Vec::new();
        for word in super::text::chunks(text).flat_map(|chunk| words(&chunk)) {
            if ids.len() >= max {
                break;
            }
            if !self.word_pieces(&word, &mut ids) {
                ids.extend(unknown);
            }
        }
        ids.truncate(max);
        ids
    }

    /// Greedy longest-match-first split of one word; nothing (and `false`) if a part has no piece.
    fn word_pieces(&self, word: &str, into: &mut Vec<u32>) -> bool {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > MAX_PIECE_WORD_CHARS {
            return false;
        }
        let mut found = Vec::new();
        let mut start = 0;
        let mut candidate = String::new();
        while start < chars.len() {
            let mut end = chars.len();
            let mut piece = None;
            while end > start {
                let from = chars[start].0;
                let to = chars.get(end).map_or(word.len(), |&(at, _)| at);
                candidate.clear();
                if start > 0 {
                    candidate.push_str("##");
                }
                candidate.push_str(&word[from..to]);
                if let Some(&id) = self.pieces.get(candidate.as_str()) {
                    piece = Some(id);
                    break;
                }
                end -= 1;
            }
            match piece {
                Some(id) => found.push(id),
                None => return false,
            }
            start = end;
        }
        into.extend(found);
        true
    }
}

/// The normalised static vectors of `texts` compared with one another (for grouping them): each
/// piece weighted by `weight(texts, texts with it)`.
pub fn vectors_among(texts: &[&str], weight: impl Fn(f32, f32) -> f32) -> Vec<Vec<f32>> {
    let table = table();
    let pieces: Vec<Vec<u32>> = texts.iter().map(|text| table.pieces(text)).collect();
    let mut texts_with: HashMap<u32, f32> = HashMap::default();
    for text in &pieces {
        let mut seen = text.clone();
        seen.sort_unstable();
        seen.dedup();
        for piece in seen {
            *texts_with.entry(piece).or_default() += 1.0;
        }
    }
    let n = texts.len() as f32;
    pieces
        .iter()
        .map(|text| {
            let mut vector = vec![0.0f32; DIMS];
            for piece in text {
                let weight = weight(n, texts_with.get(piece).copied().unwrap_or(0.0));
                table.add_vector(*piece, weight, &mut vector);
            }
            normalise(&mut vector);
            vector
        })
        .collect()
}

/// The input ids a BERT-uncased model reads for `text`: `[CLS]`, at most `max - 2` word pieces
/// (`[UNK]` for a word without pieces), `[SEP]`. The vocabulary is the table's, which is BERT's in
/// BERT's order, so the ids are the model's.
pub fn model_ids(text: &str, max: usize) -> Vec<u32> {
    let table = table();
    let id = |piece: &str| table.pieces[piece];
    let mut ids = vec![id("[CLS]")];
    ids.extend(table.pieces_up_to(text, max.saturating_sub(2), Some(id("[UNK]"))));
    ids.push(id("[SEP]"));
    ids
}

/// Lowercase words without accents, punctuation split off as words of its own (BERT's basic
/// tokenizer).
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let push = |c: char, words: &mut Vec<String>, current: &mut String| {
        if c.is_whitespace() || c.is_control() {
            if !current.is_empty() {
                words.push(std::mem::take(current));
            }
        } else if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else {
            if !current.is_empty() {
                words.push(std::mem::take(current));
            }
            words.push(c.to_string());
        }
    };
    if text.is_ascii() {
        // Most messages: nothing to decompose.
        for c in text.chars() {
            push(c, &mut words, &mut current);
        }
    } else {
        for c in text.chars() {
            super::text::fold(c, |d| push(d, &mut words, &mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The vectors of one FAQ's texts, for comparing messages with entries.
pub struct Semantic {
    /// Share of an entry's score from its closest single text; the rest from the centroid.
    closest_share: f32,
    /// Per word piece: its weight in this FAQ (rarer among entries weighs more).
    weights: HashMap<u32, f32>,
    /// Weight of a piece no entry has.
    unseen_weight: f32,
    /// All single texts' vectors, `DIMS` floats each, grouped by entry.
    texts: Vec<f32>,
    /// Per entry: its texts' range (in vectors) in `texts`.
    ranges: Vec<Range<usize>>,
    /// Per entry: the normalised mean of its texts' vectors.
    centroids: Vec<f32>,
}

impl Semantic {
    /// Indexes each entry's question, keywords and examples, and the examples learned for it
    /// (`learned[i]` for entry `i`).
    pub fn new(faq: &Faq, learned: &[Vec<&str>], closest_share: f32) -> Semantic {
        let table = table();
        let per_entry: Vec<Vec<Vec<u32>>> = faq
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                std::iter::once(entry.question.as_str())
                    .chain(entry.keywords.iter().map(String::as_str))
                    .chain(entry.examples.iter().map(String::as_str))
                    .chain(learned.get(i).into_iter().flatten().copied())
                    .map(|text| table.pieces(text))
                    .collect()
            })
            .collect();
        let mut entries_with: HashMap<u32, f32> = HashMap::default();
        for texts in &per_entry {
            let mut seen: Vec<u32> = texts.iter().flatten().copied().collect();
            seen.sort_unstable();
            seen.dedup();
            for piece in seen {
                *entries_with.entry(piece).or_default() += 1.0;
            }
        }
        let n = faq.entries.len() as f32;
        let weight = |entries: f32| super::idf(n, entries);
        let weights: HashMap<u32, f32> = entries_with
            .into_iter()
            .map(|(piece, entries)| (piece, weight(entries)))
            .collect();
        let mut semantic = Semantic {
            closest_share,
            weights,
            unseen_weight: weight(0.0),
            texts: Vec::new(),
            ranges: Vec::new(),
            centroids: Vec::new(),
        };
        for texts in &per_entry {
            let start = semantic.texts.len() / DIMS;
            let mut centroid = vec![0.0f32; DIMS];
            for pieces in texts {
                let vector = semantic.vector_of(pieces);
                for (c, v) in centroid.iter_mut().zip(&vector) {
                    *c += v;
                }
                semantic.texts.extend(vector);
            }
            normalise(&mut centroid);
            semantic.centroids.extend(centroid);
            semantic.ranges.push(start..semantic.texts.len() / DIMS);
        }
        semantic
    }

    /// The normalised vector of a message (all zeros when no piece is known).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.vector_of(&table().pieces(text))
    }

    fn vector_of(&self, pieces: &[u32]) -> Vec<f32> {
        let table = table();
        let mut vector = vec![0.0f32; DIMS];
        for &piece in pieces {
            let weight = self
                .weights
                .get(&piece)
                .copied()
                .unwrap_or(self.unseen_weight);
            table.add_vector(piece, weight, &mut vector);
        }
        normalise(&mut vector);
        vector
    }

    /// How close a message's vector is to entry `entry`, in [-1, 1]: the blend of its closest
    /// single text and its centroid, and the closest text alone.
    pub fn score(&self, entry: usize, message: &[f32]) -> (f32, f32) {
        let texts = self.ranges[entry].clone();
        let vector = |t: usize| &self.texts[t * DIMS..(t + 1) * DIMS];
        if texts.len() == 1 {
            // One text is its own centroid: one dot product, and one less vector fetched from a
            // large FAQ's memory.
            let only = dot(vector(texts.start), message);
            return (only, only);
        }
        let closest = texts
            .map(|t| dot(vector(t), message))
            .fold(-1.0f32, f32::max);
        let centroid = dot(&self.centroids[entry * DIMS..(entry + 1) * DIMS], message);
        (
            self.closest_share * closest + (1.0 - self.closest_share) * centroid,
            closest,
        )
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums let the compiler use vector instructions (one sum would fix the order of
    // additions and keep it scalar).
    let mut sums = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum()
}

fn normalise(vector: &mut [f32]) {
    let norm = dot(vector, vector).sqrt();
    if norm > 0.0 {
        for v in vector {
            *v /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_like_bert() {
        let table = table();
        let pieces = table.pieces("Héllo, WORLD! unaffordable");
        let names: Vec<&str> = pieces
            .iter()
            .map(|id| {
                table
                    .pieces
                    .iter()
                    .find(|(_, v)| **v == *id)
                    .map(|(k, _)| *k)
                    .unwrap()
            })
            .collect();
        assert_eq!(names[..4], ["hello", ",", "world", "!"]);
        assert!(
            names[4..].concat().replace("##", "") == "unaffordable",
            "{names:?}"
        );
    }

    #[test]
    fn model_ids_are_berts() {
        // "[CLS] i get a 500 error when i open the tenant list [SEP]", as BERT's own tokenizer
        // gives it; an emoji is a word without pieces.
        assert_eq!(
            model_ids("I get a 500 error when I open the tenant list", 128),
            [101, 1045, 2131, 1037, 3156, 7561, 2043, 1045, 2330, 1996, 16713, 2862, 102]
        );
        assert_eq!(model_ids("ok 😀", 128), [101, 7929, 100, 102]);
        assert_eq!(model_ids(&"word ".repeat(1000), 16).len(), 16);
    }

    #[test]
    fn related_words_are_closer_than_unrelated_ones() {
        let faq = Faq::parse(
            "[[entry]]\nid = \"atm\"\nquestion = \"Where can I find a cash machine?\"\nanswer = \"a\"\n\
             [[entry]]\nid = \"card\"\nquestion = \"My card was stolen\"\nanswer = \"b\"\n",
            "faq.toml",
        )
        .unwrap();
        let semantic = Semantic::new(&faq, &[], 0.5);
        let message = semantic.embed("where do I withdraw money?");
        assert!(semantic.score(0, &message).0 > semantic.score(1, &message).0);
    }

    #[test]
    fn junk_gives_a_zero_vector_or_a_unit_one() {
        let faq = Faq::parse(
            "[[entry]]\nid = \"a\"\nquestion = \"q\"\nanswer = \"a\"\n",
            "faq.toml",
        )
        .unwrap();
        let semantic = Semantic::new(&faq, &[], 0.5);
        for text in ["", "😀😀😀", &"x".repeat(5000), "\u{0}\u{1}"] {
            let v = semantic.embed(text);
            let norm = dot(&v, &v);
            assert!(norm == 0.0 || (norm - 1.0).abs() < 1e-3, "{text:?}: {norm}");
            assert!((-1.01..=1.01).contains(&semantic.score(0, &v).0));
        }
    }
}
