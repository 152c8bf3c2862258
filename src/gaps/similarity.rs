//! How alike two messages are: by the model's sentence vectors when it is there, else by the
//! matcher's own means (stemmed words weighted by rarity, and static word-piece vectors).

use rustc_hash::FxHashMap as HashMap;

use super::cluster::Linkage;
use super::params::{MEMBER_CUT, MODEL_CUT, WORDS_CUT, WORDS_SHARE};
use crate::matcher::semantic;
use crate::matcher::text::Analyzer;

/// The messages as the similarity reads them.
pub enum Similarity {
    /// Unit sentence vectors of the model, one per message, centred. (Blending in shared words,
    /// as without the model, lowered the NMI on BANKING77: the model already carries them.)
    Model(Vec<Vec<f32>>),
    /// Unit static vectors and unit sparse word vectors (term id, weight; sorted by term).
    Words {
        dense: Vec<Vec<f32>>,
        sparse: Vec<Vec<(u32, f32)>>,
    },
}

impl Similarity {
    /// Words alone: `texts` compared with one another, each word and piece weighted by how rare
    /// it is among them.
    pub fn of_words(texts: &[&str]) -> Similarity {
        Similarity::Words {
            dense: semantic::vectors_among(texts, weight),
            sparse: sparse_words(texts),
        }
    }

    /// The model's unit sentence vectors, one per message, centred: their mean is taken from
    /// each and each is made unit again. What all the messages share (they are all about one
    /// product) tells no topic from another, and sentence vectors all lean one way (their
    /// cosines run high); without it, topics spread apart. On BANKING77 the NMI rose from 0.841
    /// to 0.855 with average linkage alone.
    pub fn with_model(mut vectors: Vec<Vec<f32>>) -> Similarity {
        let dimensions = vectors.first().map_or(0, Vec::len);
        let mut mean = vec![0.0f32; dimensions];
        for vector in &vectors {
            mean.iter_mut().zip(vector).for_each(|(m, x)| *m += x);
        }
        let count = vectors.len().max(1) as f32;
        mean.iter_mut().for_each(|m| *m /= count);
        for vector in &mut vectors {
            vector.iter_mut().zip(&mean).for_each(|(x, m)| *x -= m);
            let norm = dot(vector, vector).sqrt();
            if norm > f32::EPSILON {
                vector.iter_mut().for_each(|x| *x /= norm);
            }
        }
        Similarity::Model(vectors)
    }
}

/// Each text's stemmed words, weighted by how rare they are among `texts`, as unit vectors.
fn sparse_words(texts: &[&str]) -> Vec<Vec<(u32, f32)>> {
    {
        let analyzer = Analyzer::default();
        let mut ids: HashMap<String, u32> = HashMap::default();
        let stems: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| {
                let mut terms: Vec<u32> = analyzer
                    .words(text)
                    .into_iter()
                    .map(|word| {
                        let next = ids.len() as u32;
                        *ids.entry(word.stem).or_insert(next)
                    })
                    .collect();
                terms.sort_unstable();
                terms
            })
            .collect();
        let mut texts_with = vec![0.0f32; ids.len()];
        for terms in &stems {
            let mut seen = terms.clone();
            seen.dedup();
            for term in seen {
                texts_with[term as usize] += 1.0;
            }
        }
        let n = texts.len() as f32;
        stems
            .iter()
            .map(|terms| {
                let mut weighted: Vec<(u32, f32)> = Vec::new();
                for &term in terms {
                    let idf = weight(n, texts_with[term as usize]);
                    match weighted.last_mut() {
                        Some((last, weight)) if *last == term => *weight += idf,
                        _ => weighted.push((term, idf)),
                    }
                }
                let norm = weighted.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    weighted.iter_mut().for_each(|(_, w)| *w /= norm);
                }
                weighted
            })
            .collect()
    }
}

impl Similarity {
    /// How [`super::cluster::cluster`] merges for this kind of similarity, and where it stops.
    pub fn linkage(&self) -> Linkage {
        match self {
            Similarity::Model(_) => Linkage::Ward {
                cut: MODEL_CUT,
                member_cut: MEMBER_CUT,
            },
            Similarity::Words { .. } => Linkage::Average { cut: WORDS_CUT },
        }
    }

    /// How alike messages `i` and `j` are, in [-1, 1].
    pub fn between(&self, i: usize, j: usize) -> f32 {
        match self {
            Similarity::Model(vectors) => dot(&vectors[i], &vectors[j]),
            Similarity::Words { dense, sparse } => {
                WORDS_SHARE * sparse_dot(&sparse[i], &sparse[j])
                    + (1.0 - WORDS_SHARE) * dot(&dense[i], &dense[j])
            }
        }
    }
}

/// How much a word (or piece) found in `with` of `total` messages counts: the smoothed inverse
/// document frequency that never reaches zero (scikit-learn's `smooth_idf`). Among a handful of
/// messages that all say "widget", the word still makes them alike; the matcher's BM25 weight
/// would drop it to almost nothing.
fn weight(total: f32, with: f32) -> f32 {
    ((1.0 + total) / (1.0 + with)).ln() + 1.0
}

/// In eight running sums, so that the compiler can use vector instructions (one sum in order
/// cannot be reordered): the pairs grow as the square of the messages, and this is their cost.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// The dot product of two vectors sorted by term.
fn sparse_dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dot_product_in_lanes_is_the_dot_product() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((super::dot(&a, &b) - plain).abs() < 1e-3);
    }
}
