//! The parameters of finding gaps, each with the reason for its value.

/// A gap needs at least this many messages: two people asking alike can be chance, three is a
/// pattern worth an entry. Smaller groups are counted as noise, not listed.
pub const MIN_MEMBERS: usize = 3;

/// With the model's sentence vectors (centred, see [`super::Similarity::with_model`]), groups
/// merge by Ward's method while its merge height is at most this. Ward joins the two groups whose
/// union adds the least spread; its height is in units of distance between unit vectors
/// (√(2 − 2·cosine)): two single messages join below 1.45 when their centred cosine is above
/// −0.05, while groups of ten join only when their centres are about three times closer. So
/// large groups stay apart where average linkage chained neighbouring topics into one. On
/// BANKING77 (three random thirds of its intents, `cargo run --release --example gaps`) the NMI is
/// flat from 1.35 to 1.50 (0.849-0.858 without the member rule below) and 8 or 9 of the ten
/// largest gaps are pure from 1.35 to 1.45 (7 at 1.50 in one third); 1.45 sits within both.
pub const MODEL_CUT: f32 = 1.45;

/// With the model, a message stays in its gap only while its mean distance (1 − centred cosine)
/// to the gap's other messages is at most this: average linkage's own criterion, applied to each
/// member. Ward puts every message in some group, so without it a message alike no other (chatter,
/// "thanks!") joins the nearest gap; with it, it is noise. On BANKING77 with 30 chatter messages
/// mixed in, 27 of them joined gaps without the rule, 6-8 at 0.65 (as many as average linkage
/// left), none at 0.60 at the cost of more intent messages as noise; the NMI is 0.862 at 0.65.
pub const MEMBER_CUT: f32 = 0.65;

/// Without the model, groups merge by average linkage while their messages are on average at most
/// this far apart (1 − similarity) in the blend of static word-piece vectors and shared words
/// ([`WORDS_SHARE`]). On the same BANKING77 thirds the NMI is 0.782 at 0.40, 0.790 at 0.45 and
/// 0.792 at 0.50 with less noise at each step; past 0.60 the groups chain into one (0.013 at
/// 0.80). Ward's method, as with the model, did no better here (0.78 at its best).
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
