//! The parameters of finding gaps, each with the reason for its value.

/// A gap needs at least this many messages: two people asking alike can be chance, three is a
/// pattern worth an entry. Smaller groups are counted as noise, not listed.
pub const MIN_MEMBERS: usize = 3;

/// With the model's sentence vectors, groups merge while their messages are on average at most
/// this far apart (1 - cosine): an average cosine of 0.5. all-MiniLM-L6-v2 puts paraphrases of one
/// request mostly above it and different requests of one domain below. On BANKING77 (three random
/// thirds of its intents, `cargo run --release --example gaps`) the NMI is flat from 0.40 to 0.50
/// (0.837-0.841) and falls past it (0.787 at 0.60), so the cut sits at the loose end of the flat.
pub const MODEL_CUT: f32 = 0.50;

/// Without the model, the same for the blend of static word-piece vectors and shared words
/// ([`WORDS_SHARE`]), whose similarities run lower: two rewordings share fewer exact words than
/// meaning. On the same BANKING77 thirds the NMI is 0.782 at 0.40, 0.790 at 0.45 and 0.792 at
/// 0.50 with less noise at each step; past 0.60 the groups chain into one (0.013 at 0.80).
pub const WORDS_CUT: f32 = 0.50;

/// Without the model, the share of shared (weighted, stemmed) words in a similarity; the rest is
/// the static vectors'. Words tell topics apart sharply where they are shared; the vectors carry
/// rewordings that share none.
pub const WORDS_SHARE: f32 = 0.5;

/// A gap's label: its most distinctive words, at most this many (enough to name a topic, short
/// enough for one line).
pub const LABEL_WORDS: usize = 4;

/// Messages shown per gap: the most central one and this many more.
pub const MORE_EXAMPLES: usize = 2;
