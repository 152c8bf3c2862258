//! Saying an error that repeats at most once a minute.

/// Logs an error at most once a minute, counting the ones it held back.
pub struct Throttle {
    state: std::sync::Mutex<(Option<std::time::Instant>, u64)>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

    pub fn new() -> Self {
        Throttle {
            state: std::sync::Mutex::new((None, 0)),
        }
    }

    /// Calls `log` with the number of errors held back since the last line, if a minute passed.
    pub fn error(&self, log: impl FnOnce(u64)) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        if state
            .0
            .is_some_and(|last| now.duration_since(last) < Self::EVERY)
        {
            state.1 += 1;
            return;
        }
        let held_back = std::mem::take(&mut state.1);
        state.0 = Some(now);
        drop(state);
        log(held_back);
    }

    /// Forgets the last error, so the next one is logged at once; true if there was one.
    pub fn recovered(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let had = state.0.is_some();
        *state = (None, 0);
        had
    }
}
