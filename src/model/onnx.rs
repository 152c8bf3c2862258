//! The model run by ONNX Runtime, loaded from the files [`files`](super::files) names.

use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;

use super::files::Files;
use super::{mean_pool, Encoder, ModelError};
use crate::matcher::semantic::model_ids;

/// Tokens read from one text. The model was trained on up to 256; the first 128 carry a support
/// message's topic (a title and its first sentences) at half the cost of 256.
pub const MAX_TOKENS: usize = 128;
/// The model's vector length.
pub const DIMS: usize = 384;

/// all-MiniLM-L6-v2 (int8) in one ONNX Runtime session on one thread.
pub struct OnnxEncoder {
    /// `run` needs the session to itself; the caller bounds how many texts wait for it.
    session: Mutex<Session>,
    name: String,
}

impl OnnxEncoder {
    /// Loads the runtime and the model; the error is one line that says what to do.
    pub fn load(files: &Files) -> Result<OnnxEncoder, ModelError> {
        files.verify()?;
        return_large_blocks();
        let runtime = runtime(&files.runtime)?;
        let fail = |e: ort::Error| ModelError::Load {
            model: files.model.clone(),
            detail: e.to_string(),
        };
        let session = Session::builder(runtime)
            .map_err(fail)?
            // One core for the model: the other serves Discord. Bounded work per message is the
            // worker's job, not the runtime's thread pool.
            .with_intra_threads(1)
            .map_err(|e| fail(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.into()))?
            .commit_from_file(&files.model)
            .map_err(fail)?;
        Ok(OnnxEncoder {
            session: Mutex::new(session),
            // The file's pin in the name: vectors cached from another model file are not reused.
            name: format!(
                "all-MiniLM-L6-v2-q8/{}/mean/{MAX_TOKENS}",
                &super::files::QUANTIZED.sha256[..12]
            ),
        })
    }

    fn encode_one(&self, text: &str) -> Result<Vec<f32>, ModelError> {
        let ids: Vec<i64> = model_ids(text, MAX_TOKENS)
            .into_iter()
            .map(i64::from)
            .collect();
        let len = ids.len();
        let tensor = |values: Vec<i64>| {
            Tensor::from_array(([1usize, len], values))
                .map_err(|e| ModelError::Inference(format!("model input: {e}")))
        };
        let inputs = ort::inputs! {
            "input_ids" => tensor(ids)?,
            "attention_mask" => tensor(vec![1; len])?,
            "token_type_ids" => tensor(vec![0; len])?,
        };
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session
            .run(inputs)
            .map_err(|e| ModelError::Inference(format!("the model failed: {e}")))?;
        let (shape, hidden) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| ModelError::Inference(format!("the model's output: {e}")))?;
        if shape.last().copied() != Some(DIMS as i64) {
            return Err(ModelError::Inference(format!(
                "the model gives vectors of shape {shape:?}, not {DIMS} values a token"
            )));
        }
        Ok(mean_pool(hidden, DIMS))
    }
}

impl Encoder for OnnxEncoder {
    fn name(&self) -> &str {
        &self.name
    }

    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        // One text a run: no padding, and a batch would not be faster on one thread.
        texts.iter().map(|text| self.encode_one(text)).collect()
    }
}

/// Large blocks go back to the system when freed. Building the session reads the model and
/// transforms its weights in buffers of many megabytes, and each run allocates its activations;
/// glibc's default raises its mmap threshold after the first such block is freed, so later ones come
/// from the heap and stay resident. A fixed threshold (glibc's initial 128 KiB) kept `faqbot run`
/// at 100-105 MB after the 1,000-message burst instead of 123-131 MB (`cargo run --release
/// --example burst`, docs/second-opinion.md), at no measured cost in time.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it is safe at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// ONNX Runtime is loaded once per process (`ort` allows one environment), and its environment
/// kept for the process's life.
fn runtime(library: &Path) -> Result<&'static ort::environment::Environment, ModelError> {
    // The first attempt's outcome is kept: `ort` cannot load a second library into one process.
    static LOADED: std::sync::OnceLock<Result<ort::environment::Environment, String>> =
        std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| {
            ort::init_from(library)
                .map_err(|e| e.to_string())?
                .with_name("faqbot")
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|detail| ModelError::Runtime {
            library: library.to_path_buf(),
            detail: detail.clone(),
        })
}
