//! The second opinion's model: a small sentence transformer (all-MiniLM-L6-v2, int8, through ONNX
//! Runtime) that turns a text into a unit vector, so that texts of the same meaning lie close.
//!
//! - [`files`]: which files it needs, pinned by SHA-256, where they are and `faqbot model fetch`;
//! - [`onnx`]: the encoder that runs the model;
//! - [`Encoder`]: what the rest of the bot needs of it, so that tests can use a stand-in;
//! - [`mean_pool`]: how one text's token vectors become the sentence's vector.
//!
//! Nothing here knows the FAQ or Discord: the matcher's [`opinion`](crate::matcher::opinion) fuses
//! the vectors with the lexical ranking, and [`crate::second_opinion`] runs it for the bot.

pub mod files;
pub mod onnx;

/// Turns texts into unit vectors of one fixed length.
pub trait Encoder: Send + Sync {
    /// Names the model and its settings: vectors cached under another name are not reused.
    fn name(&self) -> &str;
    /// One unit vector per text (all zeros for a text without words).
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
}

/// The sentence vector of one text from its tokens' vectors (`tokens` rows of `dims` values): their
/// mean, normalised to length 1, as the model was trained to be read (sentence-transformers' mean
/// pooling). Every token counts: the encoder feeds one text at a time, so there is no padding to
/// mask.
pub fn mean_pool(hidden: &[f32], dims: usize) -> Vec<f32> {
    let mut sum = vec![0.0f32; dims];
    let mut rows = 0usize;
    for row in hidden.chunks_exact(dims) {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
        rows += 1;
    }
    let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
    if rows > 0 && norm > 0.0 {
        // The mean's direction is the sum's: dividing by the rows first would change nothing.
        for s in &mut sum {
            *s /= norm;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_is_the_normalised_mean_of_the_rows() {
        let hidden = [1.0, 0.0, 3.0, 4.0, 2.0, 2.0];
        let v = mean_pool(&hidden, 2);
        // Mean (2, 2), normalised.
        let expected = std::f32::consts::FRAC_1_SQRT_2;
        assert!((v[0] - expected).abs() < 1e-6 && (v[1] - expected).abs() < 1e-6);
        assert_eq!(mean_pool(&[], 3), [0.0; 3]);
        assert_eq!(mean_pool(&[0.0; 6], 3), [0.0; 3]);
    }
}
