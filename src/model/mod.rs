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

use std::path::PathBuf;

/// Why the model cannot be fetched, checked, loaded or run; each says in one line what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file or folder could not be read, written or made.
    #[error("cannot {action} {}: {error}{hint}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        error: std::io::Error,
        hint: &'static str,
    },
    /// A file is there but not the pinned one.
    #[error("{} is not the pinned {what} (SHA-256 {found}, expected {expected}): run `faqbot model fetch` to replace it", path.display())]
    NotPinned {
        path: PathBuf,
        what: &'static str,
        found: String,
        expected: &'static str,
    },
    /// Python (or its pip) could not be started.
    #[error("cannot run {command}: {error}{hint}")]
    Python {
        command: String,
        error: std::io::Error,
        hint: &'static str,
    },
    /// pip or the requantization ran and failed; what they said.
    #[error("{0}")]
    Fetch(String),
    /// ONNX Runtime's library could not be loaded.
    #[error("cannot load ONNX Runtime from {}: {detail} (run `faqbot model fetch`, or set ORT_DYLIB_PATH)", library.display())]
    Runtime { library: PathBuf, detail: String },
    /// The model file could not be loaded into a session.
    #[error("cannot load the model {}: {detail} (run `faqbot model fetch` again)", model.display())]
    Load { model: PathBuf, detail: String },
    /// A text could not be run through the model.
    #[error("{0}")]
    Inference(String),
}

/// Turns texts into unit vectors of one fixed length.
pub trait Encoder: Send + Sync {
    /// Names the model and its settings: vectors cached under another name are not reused.
    fn name(&self) -> &str;
    /// One unit vector per text (all zeros for a text without words).
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError>;
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
