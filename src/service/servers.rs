//! Which servers the bot serves, and each one's [`Service`].
//!
//! A Discord application is public by default: any server can add the bot. So a server is served
//! only when the config lists it (`[discord] guild_id`, `[[server]]`), or, with none listed, every
//! server is, each in its own world. Servers whose settings name the same FAQ file (and
//! confidence) share one index of it; a server keeps an index of its own only once it has learned
//! something (a link, a "Not it"), so a thousand servers cost one index plus those that learned.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use super::{Loaded, Reloaded, Service, ServiceError, Shared};
use crate::config::{Config, Served, Settings};
use crate::faq::Faq;
use crate::ids::GuildId;
use crate::matcher::{Learned, Params};
use crate::memory::PlaceSeen;
use crate::policy::{Moderators, Policy};

/// What one shared index is of: a FAQ file under one confidence threshold.
type FaqKey = (PathBuf, u32);

/// The served servers' services.
pub struct Servers {
    config: Config,
    served: Served,
    shared: Arc<Shared>,
    /// When the bot started, for every server's policy.
    started_ms: u64,
    faqs: Mutex<HashMap<FaqKey, Arc<Loaded>>>,
    services: RwLock<HashMap<GuildId, Arc<Service>>>,
}

/// The matcher's parameters for `settings`.
pub(super) fn params(settings: &Settings) -> Params {
    let mut params = Params::default();
    if let Some(min) = settings.suggest.min_confidence {
        params.min_confidence = min;
    }
    params
}

fn key(settings: &Settings) -> FaqKey {
    (
        settings.faq.clone(),
        params(settings).min_confidence.to_bits(),
    )
}

impl Servers {
    /// Loads every FAQ the config names (a broken one stops here, before anything connects; with
    /// every server served, the top level's is the only one) and the listed servers' services
    /// with what each learned.
    pub fn open(config: &Config, shared: Shared, started_ms: u64) -> Result<Servers, ServiceError> {
        adopt(&shared, &config.served())?;
        let servers = Servers {
            config: config.clone(),
            served: config.served(),
            shared: Arc::new(shared),
            started_ms,
            faqs: Mutex::default(),
            services: RwLock::default(),
        };
        match &servers.served {
            Served::Listed(ids) => {
                for &id in ids {
                    servers.get(GuildId(id))?;
                }
            }
            Served::Every => {
                servers.base(&config.settings(0))?;
            }
        }
        Ok(servers)
    }

    /// The servers listed in the config; `None` when every server is served.
    pub fn listed(&self) -> Option<&[u64]> {
        match &self.served {
            Served::Listed(ids) => Some(ids),
            Served::Every => None,
        }
    }

    /// Whether the bot serves `guild`.
    pub fn serves(&self, guild: GuildId) -> bool {
        match &self.served {
            Served::Listed(ids) => ids.contains(&guild.get()),
            Served::Every => true,
        }
    }

    /// `guild`'s service if it is already open: no store work, for the async runtime.
    pub fn open_already(&self, guild: GuildId) -> Option<Arc<Service>> {
        self.services
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&guild)
            .cloned()
    }

    /// `guild`'s service, opened on first use; `None` when the bot does not serve it.
    pub fn get(&self, guild: GuildId) -> Result<Option<Arc<Service>>, ServiceError> {
        if !self.serves(guild) {
            return Ok(None);
        }
        if let Some(service) = self.open_already(guild) {
            return Ok(Some(service));
        }
        let settings = self.config.settings(guild.get());
        let base = self.base(&settings)?;
        let policy = Policy::new(
            &settings.suggest,
            Moderators::new(&settings.moderator_roles),
            self.started_ms,
        );
        let params = params(&settings);
        let service = Service::new(guild, settings, policy, params, self.shared.clone(), base)?;
        let mut services = self.services.write().unwrap_or_else(|p| p.into_inner());
        // Two first events of one server may race here: the first one opened wins.
        let service = services.entry(guild).or_insert_with(|| Arc::new(service));
        Ok(Some(service.clone()))
    }

    /// The shared index of `settings`' FAQ, loaded on first use.
    fn base(&self, settings: &Settings) -> Result<Arc<Loaded>, ServiceError> {
        let key = key(settings);
        if let Some(base) = self
            .faqs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(base.clone());
        }
        let faq = Faq::load(&settings.faq).map_err(ServiceError::Faq)?;
        let base = Arc::new(
            self.shared
                .load(faq, &Learned::default(), &params(settings)),
        );
        let mut faqs = self.faqs.lock().unwrap_or_else(|p| p.into_inner());
        Ok(faqs.entry(key).or_insert(base).clone())
    }

    /// Reads `service`'s FAQ file again, for every server that shares it; a broken file keeps
    /// the FAQ in service. The other processes sharing the store reload it too.
    pub fn reload(&self, service: &Service) -> Result<Reloaded, ServiceError> {
        let before = service.current().faq.entries.len();
        let after = self.reload_file(&service.settings)?;
        if let Err(error) = self.shared.store.backend().note_reload(service.server) {
            tracing::warn!("reloaded here, but could not tell the other processes: {error}");
        }
        Ok(Reloaded { before, after })
    }

    /// Loads the FAQ of `settings` again and gives it to the servers that share it, when it
    /// changed; returns its entries.
    fn reload_file(&self, settings: &Settings) -> Result<usize, ServiceError> {
        let key = key(settings);
        let faq = Faq::load(&settings.faq).map_err(ServiceError::Faq)?;
        let entries = faq.entries.len();
        let unchanged = self
            .faqs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .is_some_and(|base| base.faq == faq);
        if unchanged {
            return Ok(entries);
        }
        let base = Arc::new(
            self.shared
                .load(faq, &Learned::default(), &params(settings)),
        );
        self.faqs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), base.clone());
        let sharing: Vec<Arc<Service>> = self
            .services
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| self::key(&s.settings) == key)
            .cloned()
            .collect();
        for service in sharing {
            service.rebase(base.clone())?;
        }
        Ok(entries)
    }

    /// Reloads the servers whose teaching the store says changed since this process last looked
    /// (another process linked, unlinked, said "Not it" or reloaded there); returns how many
    /// reloaded. A FAQ file that no longer loads keeps the FAQ in service, with the new examples.
    pub fn follow_teaching(&self) -> Result<usize, ServiceError> {
        let backend = self.shared.store.backend();
        let version = backend.teaching_version().map_err(ServiceError::Store)?;
        let last = self.shared.taught.load(std::sync::atomic::Ordering::SeqCst);
        if version == last {
            return Ok(0);
        }
        let taught = backend.taught_since(last).map_err(ServiceError::Store)?;
        let mut reloaded = 0;
        // Each FAQ file is read again once, however many of its servers were taught.
        let mut files_read = std::collections::HashSet::new();
        for guild in taught {
            let Some(service) = self.open_already(guild) else {
                continue;
            };
            if files_read.insert(key(&service.settings)) {
                match self.reload_file(&service.settings) {
                    Err(ServiceError::Faq(error)) => tracing::warn!(
                        "another process reloaded, but the FAQ here does not load: {error}; keeping the FAQ in service"
                    ),
                    other => {
                        other?;
                    }
                }
            }
            service.relearn()?;
            reloaded += 1;
        }
        self.shared
            .taught
            .store(version, std::sync::atomic::Ordering::SeqCst);
        Ok(reloaded)
    }

    /// The watched places where messages were noted in the last `within_ms`, with the newest
    /// noted and the oldest another run left unfinished; empty when the memory cannot say. Only
    /// served servers' messages are ever noted.
    pub fn places(&self, within_ms: u64) -> Vec<PlaceSeen> {
        let now = crate::time::now_ms();
        self.shared
            .memory
            .places(within_ms, now)
            .unwrap_or_else(|error| {
                tracing::warn!("cannot tell which places to read back: {error}");
                Vec::new()
            })
    }

    /// The second opinion, if the bot has one.
    pub fn second_opinion(&self) -> Option<&crate::second_opinion::SecondOpinion> {
        self.shared.opinion.as_deref()
    }

    /// `guild`'s settings when the bot serves it: no store work.
    pub fn settings(&self, guild: GuildId) -> Option<Settings> {
        self.serves(guild)
            .then(|| self.config.settings(guild.get()))
    }

    /// The bot's reply to `message` was found where it was asked (read back after a restart): its
    /// answer is finished, whatever the run that posted it had time to note.
    pub fn replied_before(&self, message: crate::ids::MessageId) {
        if let Err(error) = self.shared.memory.finish(message.get()) {
            tracing::warn!(
                message_id = message.get(),
                "could not note an answer as finished: {error}"
            );
        }
    }

    /// The store every server shares.
    pub fn store(&self) -> &crate::store::Store {
        &self.shared.store
    }

    /// The services open now.
    pub fn open_services(&self) -> Vec<Arc<Service>> {
        self.services
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

/// A store written before servers were kept apart holds examples and events of no server: they
/// are the one community's that used it, so they go to the one server the config lists or, for a
/// bot serving every server, the one server the store's events name. With several, they stay
/// unused until `faqbot examples import`, and the log says so.
fn adopt(shared: &Shared, served: &Served) -> Result<(), ServiceError> {
    let backend = shared.store.backend();
    let only = match served {
        Served::Listed(ids) => (ids.len() == 1).then(|| GuildId(ids[0])),
        Served::Every => {
            let known = backend.servers().map_err(ServiceError::Store)?;
            (known.len() == 1).then(|| known[0])
        }
    };
    let Some(guild) = only else {
        return Ok(());
    };
    let adopted = backend.adopt(guild).map_err(ServiceError::Store)?;
    if adopted > 0 {
        tracing::info!(
            server = guild.get(),
            examples = adopted,
            "the store's examples from before servers were kept apart now belong to this server"
        );
    }
    Ok(())
}
