//! Grouping messages by meaning without being told how many groups there are: average-linkage
//! agglomerative clustering (kodama) cut where the groups stop being alike.

use super::params::MIN_MEMBERS;

/// Groups of message indices, each of at least [`MIN_MEMBERS`], largest first (ties: earliest
/// first member first), and the messages that joined none.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Clusters {
    pub groups: Vec<Vec<usize>>,
    pub noise: Vec<usize>,
}

/// Clusters `n` messages given their pairwise similarity (`similarity(i, j)` in [-1, 1], for
/// `i < j`): groups merge while their average distance (1 - similarity) is at most `cut`.
/// Deterministic: the same input gives the same groups.
pub fn cluster(n: usize, cut: f32, similarity: impl Fn(usize, usize) -> f32) -> Clusters {
    if n < 2 {
        return Clusters {
            groups: Vec::new(),
            noise: (0..n).collect(),
        };
    }
    // The condensed upper triangle, row by row, as kodama (and SciPy) read it.
    let mut distances = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            distances.push((1.0 - similarity(i, j)).max(0.0));
        }
    }
    let dendrogram = kodama::linkage(&mut distances, n, kodama::Method::Average);
    // Average linkage merges at distances that never fall, so the merges below the cut come first.
    let mut parent: Vec<usize> = (0..2 * n - 1).collect();
    for (step, merge) in dendrogram.steps().iter().enumerate() {
        if merge.dissimilarity > cut {
            break;
        }
        parent[merge.cluster1] = n + step;
        parent[merge.cluster2] = n + step;
    }
    let root = |mut at: usize| {
        while parent[at] != at {
            at = parent[at];
        }
        at
    };
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        by_root.entry(root(i)).or_default().push(i);
    }
    let mut clusters = Clusters::default();
    for members in by_root.into_values() {
        if members.len() >= MIN_MEMBERS {
            clusters.groups.push(members);
        } else {
            clusters.noise.extend(members);
        }
    }
    clusters
        .groups
        .sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    clusters.noise.sort_unstable();
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points on a line: similarity falls with distance.
    fn on_a_line(points: &[f32]) -> impl Fn(usize, usize) -> f32 + '_ {
        move |i, j| 1.0 - (points[i] - points[j]).abs()
    }

    #[test]
    fn close_points_group_and_a_stray_one_is_noise() {
        let points = [0.0, 0.05, 0.1, 0.08, 2.0, 2.02, 2.05, 5.0];
        let clusters = cluster(points.len(), 0.5, on_a_line(&points));
        assert_eq!(clusters.groups, vec![vec![0, 1, 2, 3], vec![4, 5, 6]]);
        assert_eq!(clusters.noise, vec![7]);
    }

    #[test]
    fn nothing_alike_is_all_noise_and_one_message_too() {
        let points = [0.0, 3.0, 6.0, 9.0];
        assert_eq!(cluster(4, 0.5, on_a_line(&points)).noise, vec![0, 1, 2, 3]);
        assert_eq!(cluster(1, 0.5, |_, _| 1.0).noise, vec![0]);
        assert!(cluster(0, 0.5, |_, _| 1.0).groups.is_empty());
    }
}
