//! Reading the member's lines at a terminal, with line editing and history.

/// Lines typed at a terminal, with line editing and history (rustyline), read on a thread of their
/// own so that the bot keeps running while the member types.
pub(super) struct Terminal {
    prompts: std::sync::mpsc::Sender<String>,
    lines: tokio::sync::mpsc::Receiver<Option<String>>,
}

impl Terminal {
    /// `None` when the terminal cannot be edited on (the plain reader serves then).
    pub(super) fn start() -> Option<Terminal> {
        let mut editor = rustyline::DefaultEditor::new().ok()?;
        let (prompts, asked) = std::sync::mpsc::channel::<String>();
        let (typed, lines) = tokio::sync::mpsc::channel(1);
        std::thread::spawn(move || {
            for prompt in asked {
                let line = editor.readline(&prompt).ok();
                if let Some(line) = &line {
                    let _ = editor.add_history_entry(line.as_str());
                }
                let ended = line.is_none();
                if typed.blocking_send(line).is_err() || ended {
                    break;
                }
            }
        });
        Some(Terminal { prompts, lines })
    }

    /// The next line typed after `prompt`; `None` at Ctrl-D or Ctrl-C.
    pub(super) async fn line(&mut self, prompt: String) -> Option<String> {
        self.prompts.send(prompt).ok()?;
        self.lines.recv().await.flatten()
    }
}
