//! Fitting a logistic confidence to labelled samples (the weights in `matcher::calibration`):
//! Newton's method with a little L2, each set weighing the same whatever its size.

/// Fits a logistic model by Newton's method with a small ridge penalty `l2`: `sets` of (features,
/// label) samples, each set weighing the same whatever its size. Returns the weights, the bias
/// last (as [`crate::matcher::calibration::logistic`] reads them).
pub fn fit_logistic(sets: &[&[(Vec<f32>, bool)]], l2: f64) -> Vec<f32> {
    let n = sets
        .iter()
        .flat_map(|set| set.first())
        .map(|(x, _)| x.len() + 1)
        .next()
        .unwrap_or(1);
    let mut w = vec![0.0f64; n];
    for _ in 0..50 {
        let mut grad = vec![0.0f64; n];
        let mut hess = vec![vec![0.0f64; n]; n];
        for set in sets.iter().filter(|set| !set.is_empty()) {
            let weight = 1.0 / set.len() as f64;
            for (features, right) in set.iter() {
                let x: Vec<f64> = features
                    .iter()
                    .map(|&v| f64::from(v))
                    .chain([1.0])
                    .collect();
                let z: f64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if *right { 1.0 } else { 0.0 };
                for i in 0..n {
                    grad[i] += weight * (p - y) * x[i];
                    for j in 0..n {
                        hess[i][j] += weight * p * (1.0 - p) * x[i] * x[j];
                    }
                }
            }
        }
        for i in 0..n {
            grad[i] += l2 * w[i];
            hess[i][i] += l2;
        }
        let step = solve(hess, grad);
        for (w, s) in w.iter_mut().zip(step) {
            *w -= s;
        }
    }
    w.into_iter().map(|v| v as f32).collect()
}

/// Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col].clone();
            for (cell, above) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *cell -= f * above;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let rest: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    x
}
