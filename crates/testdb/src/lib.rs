//! A PostgreSQL server of its own, for the tests and benchmarks: `initdb` and `pg_ctl` from the
//! installed PostgreSQL (Debian's `postgresql` package, or any on `PATH`) into a temporary
//! directory, on a free port of 127.0.0.1, stopped when dropped. PostgreSQL refuses to run as
//! root, so as root it runs as the `postgres` user the package creates.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running server; dropping it stops the server and removes its files.
pub struct LocalServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// The user it runs as, when this process is root.
    user: Option<String>,
}

/// Why a server could not be had: missing (the tests skip, saying so) or broken (they fail).
#[derive(Debug)]
pub enum Unavailable {
    Missing(String),
    Failed(String),
}

/// What to say when PostgreSQL is not installed.
pub const HOW_TO_INSTALL: &str = "PostgreSQL is not installed: `apt-get install postgresql` (Debian, Ubuntu) or put initdb and pg_ctl on PATH (FAQBOT_PG_BIN names their folder) to run these tests";

impl LocalServer {
    /// Starts a server with a database `faqbot` owned by the user `faqbot` (no password).
    pub fn start() -> Result<LocalServer, Unavailable> {
        let bin = find_bin().ok_or_else(|| Unavailable::Missing(HOW_TO_INSTALL.to_owned()))?;
        let failed = |what: &str, error: &dyn std::fmt::Display| {
            Unavailable::Failed(format!("{what}: {error}"))
        };
        // SAFETY: geteuid has no preconditions; it only reads the process's user.
        let user = (unsafe { libc::geteuid() } == 0).then(|| "postgres".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| failed("no free port", &e))?
            .port();
        let dir = std::env::temp_dir().join(format!("faqbot-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| failed("cannot create its folder", &e))?;
        let server = LocalServer {
            dir,
            bin,
            port,
            user,
        };
        if let Some(user) = &server.user {
            let status = Command::new("chown")
                .arg(user)
                .arg(&server.dir)
                .status()
                .map_err(|e| failed("chown", &e))?;
            if !status.success() {
                return Err(Unavailable::Missing(format!(
                    "running as root, and the folder cannot be given to the `{user}` user PostgreSQL runs as: {HOW_TO_INSTALL}"
                )));
            }
        }
        let data = server.dir.join("data");
        server
            .run("initdb", |c| {
                c.arg("-D").arg(&data).args([
                    "-A",
                    "trust",
                    "-U",
                    "faqbot",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ])
            })
            .map_err(|e| failed("initdb failed", &e))?;
        server
            .restart()
            .map_err(|e| failed("pg_ctl start failed", &e))?;
        server
            .sql("postgres", "CREATE DATABASE faqbot")
            .map_err(|e| failed("cannot create the database", &e))?;
        Ok(server)
    }

    /// Starts a server, or says in one line why the calling test is skipped (PostgreSQL is not
    /// installed); panics if it is installed but does not start, or is missing where
    /// `FAQBOT_PG_REQUIRED` is set (CI, which must run these tests).
    pub fn or_skip(test: &str) -> Option<LocalServer> {
        match LocalServer::start() {
            Ok(server) => Some(server),
            Err(Unavailable::Missing(why)) if std::env::var_os("FAQBOT_PG_REQUIRED").is_some() => {
                panic!("{test} must run (FAQBOT_PG_REQUIRED is set): {why}")
            }
            Err(Unavailable::Missing(why)) => {
                // Straight to stderr: the test runner captures `println!`, and this line is for
                // the person running the tests.
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "skipped {test}: {why}");
                None
            }
            Err(Unavailable::Failed(why)) => panic!("PostgreSQL is installed but {why}"),
        }
    }

    /// The URL of its database `faqbot`.
    pub fn url(&self) -> String {
        self.url_of("faqbot")
    }

    /// The URL of another database of the server, created on first use.
    pub fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE {name}"))
            .expect("a new database");
        self.url_of(name)
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgres://faqbot@127.0.0.1:{}/{database}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (a fast shutdown: connections are closed), keeping its files.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        let _ = self.run("pg_ctl", |c| {
            c.arg("-D").arg(&data).args(["-m", "fast", "-w", "stop"])
        });
    }

    /// Starts the server on its port (at first, and again after [`stop`](Self::stop)).
    pub fn restart(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        self.run("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(&options)
                .arg("-l")
                .arg(self.dir.join("log"))
                .args(["-w", "start"])
        })
    }

    /// Runs SQL with the `psql` client beside the server.
    pub fn sql(&self, database: &str, sql: &str) -> Result<String, String> {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "faqbot",
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-d", database, "-c", sql])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Runs one of the server's programs, as the `postgres` user when this process is root.
    fn run(
        &self,
        program: &str,
        args: impl FnOnce(&mut Command) -> &mut Command,
    ) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut command = match &self.user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&path);
                command
            }
            None => Command::new(&path),
        };
        args(&mut command);
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}{}",
                String::from_utf8_lossy(&output.stderr).trim(),
                String::from_utf8_lossy(&output.stdout).trim()
            ))
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder of `initdb` and `pg_ctl`: `FAQBOT_PG_BIN`, Debian's newest
/// `/usr/lib/postgresql/N/bin`, or `PATH`.
fn find_bin() -> Option<PathBuf> {
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("FAQBOT_PG_BIN").map(PathBuf::from) {
        return has(&dir).then_some(dir);
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|dir| has(dir))
        .collect();
    debian.sort_by_key(|dir| {
        dir.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(dir) = debian.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has(dir))
}
