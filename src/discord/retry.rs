//! The one retry policy for calls to Discord: what is worth trying again, how long to wait
//! between attempts, and until when.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

/// Waits between attempts: they start at `first` and double up to `at_most`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub at_most: Duration,
}

impl Backoff {
    /// Posts, edits and reads in channels: an outage of minutes is waited through while the answer
    /// can still help, without knocking more often than every 8 s.
    pub const CHANNEL: Backoff = Backoff {
        first: Duration::from_millis(500),
        at_most: Duration::from_secs(8),
    };
    /// Answers to interactions: Discord waits 3 s for the first one, so the attempts come closer.
    pub const INTERACTION: Backoff = Backoff {
        first: Duration::from_millis(250),
        at_most: Duration::from_secs(4),
    };

    /// The wait after `wait`.
    pub fn next(self, wait: Duration) -> Duration {
        (wait * 2).min(self.at_most)
    }
}

/// Runs `call` until it succeeds, fails for good (see [`worth_retrying`]), or the next attempt
/// would come after `deadline`. Each retry is counted in `retries` and logged with `what`; the
/// last error is returned, and what giving up means is the caller's to say.
pub async fn until<T, F, Fut>(
    what: &str,
    deadline: Instant,
    backoff: Backoff,
    retries: &AtomicU64,
    mut call: F,
) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, serenity::Error>>,
{
    let mut wait = backoff.first;
    loop {
        let error = match call().await {
            Ok(done) => return Ok(done),
            Err(error) => error,
        };
        if !worth_retrying(&error) || Instant::now() + wait > deadline {
            return Err(error);
        }
        retries.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            retry_in_ms = wait.as_millis() as u64,
            "{what} failed, will retry: {}",
            describe(&error)
        );
        tokio::time::sleep(wait).await;
        wait = backoff.next(wait);
    }
}

/// When an answer to the interaction `id` must be on its way: a little less than Discord's 3 s
/// from the interaction, for the request's own way there.
pub fn answer_deadline(id: u64) -> Instant {
    let asked_ms = crate::time::created_ms(id);
    let left_ms = (asked_ms + 2_500).saturating_sub(crate::time::now_ms());
    Instant::now() + Duration::from_millis(left_ms)
}

/// Whether trying again later may succeed: rate limits, server errors and lost connections.
pub fn worth_retrying(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            status == 429 || (500..600).contains(&status)
        }
        serenity::Error::Http(serenity::HttpError::Request(_)) => true,
        _ => false,
    }
}

/// An error with the HTTP status and the route, when there is one.
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            let path = response
                .url
                .split_once("/api/v10")
                .map_or(response.url.as_str(), |(_, path)| path);
            format!(
                "HTTP {} on {} {path}: {}",
                response.status_code.as_u16(),
                response.method,
                response.error.message
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let mut wait = Backoff::CHANNEL.first;
        let mut waits = vec![wait];
        for _ in 0..6 {
            wait = Backoff::CHANNEL.next(wait);
            waits.push(wait);
        }
        let ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(
            Backoff::INTERACTION.next(Duration::from_secs(3)),
            Duration::from_secs(4)
        );
    }

    async fn unavailable() -> serenity::Error {
        let response = http::Response::builder().status(503).body("{}").unwrap();
        let response = serenity::http::ErrorResponse::from_response(
            reqwest::Response::from(response),
            reqwest::Method::POST,
        )
        .await;
        serenity::HttpError::UnsuccessfulRequest(response).into()
    }

    #[tokio::test]
    async fn an_outage_is_retried_until_the_deadline_and_a_refusal_not_at_all() {
        let outage = unavailable().await;
        assert!(worth_retrying(&outage), "{outage}");
        let (calls, retries) = (AtomicU64::new(0), AtomicU64::new(0));
        // 250 ms, then 500 ms: the second wait would end after the deadline.
        let deadline = Instant::now() + Duration::from_millis(300);
        let result: Result<(), _> =
            until("a test", deadline, Backoff::INTERACTION, &retries, || {
                calls.fetch_add(1, Ordering::Relaxed);
                async { Err(unavailable().await) }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        assert_eq!(retries.load(Ordering::Relaxed), 1);

        let (calls, retries) = (AtomicU64::new(0), AtomicU64::new(0));
        let result: Result<(), _> =
            until("a test", deadline, Backoff::INTERACTION, &retries, || {
                calls.fetch_add(1, Ordering::Relaxed);
                async { Err(serenity::Error::Other("refused")) }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(retries.load(Ordering::Relaxed), 0);

        let calls = AtomicU64::new(0);
        let far = Instant::now() + Duration::from_secs(5);
        let result = until("a test", far, Backoff::INTERACTION, &retries, || {
            let n = calls.fetch_add(1, Ordering::Relaxed);
            async move {
                if n == 0 {
                    Err(unavailable().await)
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(1));
    }
}
