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
pub fn cluster(n: usize, cut: f32, similarity: impl Fn(usize, usize) -> f32 + Sync) -> Clusters {
    if n < 2 {
        return Clusters {
            groups: Vec::new(),
            noise: (0..n).collect(),
        };
    }
    let mut distances = condensed(n, &similarity);
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

/// The condensed upper triangle of distances, row by row, as kodama (and SciPy) read it; the rows
/// shared out among the cores, since the pairs grow as the square of the messages.
fn condensed(n: usize, similarity: &(impl Fn(usize, usize) -> f32 + Sync)) -> Vec<f32> {
    let mut distances = vec![0.0f32; n * (n - 1) / 2];
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    // Row i holds n - 1 - i pairs: split the rows into bands of about equal pairs.
    let mut bands: Vec<(usize, &mut [f32])> = Vec::with_capacity(threads);
    let mut rest: &mut [f32] = &mut distances;
    let mut row = 0;
    let per_band = rest.len().div_ceil(threads).max(1);
    while row < n - 1 {
        let first = row;
        let mut pairs = 0;
        while row < n - 1 && pairs < per_band {
            pairs += n - 1 - row;
            row += 1;
        }
        let (band, tail) = rest.split_at_mut(pairs);
        bands.push((first, band));
        rest = tail;
    }
    std::thread::scope(|scope| {
        for (first, band) in bands {
            scope.spawn(move || {
                let mut at = 0;
                let mut i = first;
                while at < band.len() {
                    for j in i + 1..n {
                        band[at] = (1.0 - similarity(i, j)).max(0.0);
                        at += 1;
                    }
                    i += 1;
                }
            });
        }
    });
    distances
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
    fn the_distances_are_the_upper_triangle_row_by_row() {
        let n = 7;
        let found = condensed(n, &|i: usize, j: usize| 1.0 - (i * 10 + j) as f32);
        let expected: Vec<f32> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i * 10 + j) as f32))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn nothing_alike_is_all_noise_and_one_message_too() {
        let points = [0.0, 3.0, 6.0, 9.0];
        assert_eq!(cluster(4, 0.5, on_a_line(&points)).noise, vec![0, 1, 2, 3]);
        assert_eq!(cluster(1, 0.5, |_, _| 1.0).noise, vec![0]);
        assert!(cluster(0, 0.5, |_, _| 1.0).groups.is_empty());
    }
}
