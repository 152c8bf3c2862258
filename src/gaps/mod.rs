//! FAQ gaps: what members keep asking that no entry answers. Unmatched questions are grouped by
//! meaning ([`cluster`]: Ward's method on the model's centred vectors, or average linkage on
//! words, cut by distance, so nobody says how many topics there are); each group becomes a gap
//! with a label of its distinctive words ([`label`]), its most central message, and a diagnosis: no entry is close (write one), or the matcher's best entry
//! for it (it misses these: link a few of them to it). Messages that join no group are counted as
//! noise. No Discord types and no store: the caller brings the messages and the matcher.

pub mod cluster;
pub mod draft;
pub mod label;
pub mod pages;
pub mod params;
pub mod period;
pub mod similarity;

pub use similarity::Similarity;

/// Below this confidence the matcher's best entry for a gap is no lead: half the default
/// `min_confidence` (0.70), where its best guesses are mostly wrong (docs/quality.md,
/// "Calibration"). At or above it, the gap is probably that entry's, worded in ways it misses.
pub const CLOSE_CONFIDENCE: f32 = 0.35;

/// The entry a gap is close to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Closest {
    pub id: String,
    pub confidence: f32,
}

/// A group of unmatched questions alike in meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Its most distinctive words.
    pub label: String,
    /// The messages in it (indices into the texts given), in their order.
    pub members: Vec<usize>,
    /// The most central message: the one most like all the others.
    pub central: usize,
    /// The next most central ones, at most [`params::MORE_EXAMPLES`].
    pub more: Vec<usize>,
    /// The entry the matcher ranks first for the central message, when it is close.
    pub closest: Option<Closest>,
}

/// The gaps, largest first, and how many messages joined none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub gaps: Vec<Gap>,
    pub noise: usize,
}

/// Finds the gaps among `texts`, alike as `similarity` says; none diagnosed yet (see
/// [`diagnose`]).
pub fn find(texts: &[&str], similarity: &Similarity) -> Found {
    let clusters = cluster::cluster(texts.len(), similarity.linkage(), |i, j| {
        similarity.between(i, j)
    });
    let labels = label::labels(texts, &clusters.groups);
    let gaps = clusters
        .groups
        .into_iter()
        .zip(labels)
        .map(|(members, label)| {
            let by_centrality = by_centrality(&members, similarity);
            Gap {
                label,
                central: by_centrality[0],
                more: by_centrality[1..]
                    .iter()
                    .take(params::MORE_EXAMPLES)
                    .copied()
                    .collect(),
                members,
                closest: None,
            }
        })
        .collect();
    Found {
        gaps,
        noise: clusters.noise.len(),
    }
}

/// Diagnoses the gaps `which` (indices into `found.gaps`): the entry the matcher ranks first for
/// each one's central message, when it is close. `best_entry` is the matcher's best entry for a
/// text and its confidence. Only the gaps shown need it, and with the model each costs an
/// embedding.
pub fn diagnose(
    found: &mut Found,
    which: impl IntoIterator<Item = usize>,
    texts: &[&str],
    best_entry: impl Fn(&str) -> Option<(String, f32)>,
) {
    for index in which {
        let gap = &mut found.gaps[index];
        gap.closest = best_entry(texts[gap.central])
            .filter(|(_, confidence)| *confidence >= CLOSE_CONFIDENCE)
            .map(|(id, confidence)| Closest { id, confidence });
    }
}

/// `members` from the most central (the highest mean similarity to the others) to the least;
/// ties by order.
fn by_centrality(members: &[usize], similarity: &Similarity) -> Vec<usize> {
    let mut scored: Vec<(usize, f32)> = members
        .iter()
        .map(|&i| {
            let sum: f32 = members
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| similarity.between(i.min(j), i.max(j)))
                .sum();
            (i, sum)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests;
