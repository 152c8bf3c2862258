//! Synchronous store work from wherever it is called, async runtime or not: the store's own
//! guarantee for its PostgreSQL client. Async callers outside the store do not rely on it: the
//! Discord layer moves every store call to a blocking thread (`discord::blocking`), and
//! records go through the writer's queue, which never blocks.

/// Runs synchronous store work where it may block: directly on a plain thread, through
/// `block_in_place` on a worker of a multi-threaded runtime (the runtime's other tasks go on), on
/// a thread of its own beside a single-threaded one (a test's). The PostgreSQL client needs it
/// anywhere a runtime runs, since it runs a runtime of its own for each call.
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(work)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => work(),
    }
}
