//! What Discord's responses announce about rate limits, and the turns they allow, per channel.
//!
//! Every response to a bot's message carries `X-RateLimit-Limit`, `-Remaining` and
//! `-Reset-After`; a 429 carries `Retry-After` and, when the whole bot is limited,
//! `X-RateLimit-Global`. Discord may lower a bucket's limit below the published one at any time,
//! and only these headers say so. So a channel's posts go out only as far as the last response
//! said there is room: with nothing known yet, one post goes first and its response tells how
//! many may follow at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;

/// Longest wait a response may impose: a header beyond it is taken for a mistake (Discord's
/// windows are seconds long; a wait of hours would silence the bot).
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset_after: Option<Duration>,
    pub retry_after: Option<Duration>,
    pub global: bool,
}

impl Headers {
    /// Reads the headers through `get`, which returns a header's value by its lowercase name.
    pub fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Headers {
        let seconds = |name: &str| {
            get(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(LONGEST_WAIT.as_secs_f64())))
        };
        let count = |name: &str| get(name).and_then(|v| v.trim().parse().ok());
        Headers {
            limit: count("x-ratelimit-limit"),
            remaining: count("x-ratelimit-remaining"),
            reset_after: seconds("x-ratelimit-reset-after"),
            retry_after: seconds("retry-after"),
            global: get("x-ratelimit-global").is_some_and(|v| v.trim() == "true"),
        }
    }

    /// How long a 429 asks to wait: the precise reset of its window, else its `Retry-After`.
    pub fn wait_after_429(&self) -> Option<Duration> {
        self.reset_after.or(self.retry_after)
    }
}

/// What is known of one channel's window.
#[derive(Debug, Default)]
struct Window {
    /// Posts the window holds, from the last response.
    limit: Option<u64>,
    /// Posts left in the current window, less those sent since; unknown before any response and
    /// once the window has reset.
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    /// Posts sent and not answered yet.
    in_flight: u64,
}

impl Window {
    fn reset_if_over(&mut self, now: Instant) {
        if self.reset_at.is_some_and(|at| now >= at) {
            self.reset_at = None;
            self.remaining = self.limit;
        }
    }
}

/// Whether a post may go now.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn {
    Go,
    /// The window is full until then.
    WaitFor(Duration),
    /// A response under way will say how much room there is.
    WaitForAnswer,
}

/// The windows of the channels posted in, and the bot-wide pause a global 429 imposes.
#[derive(Default)]
pub struct Announced {
    channels: Mutex<HashMap<u64, Window>>,
    global: Mutex<Option<Instant>>,
}

impl Announced {
    /// Takes a turn to post in `channel` at `now`, or says how long to wait.
    pub fn begin(&self, channel: u64, now: Instant) -> Turn {
        if let Some(until) = *lock(&self.global) {
            if now < until {
                return Turn::WaitFor(until - now);
            }
        }
        let mut channels = lock(&self.channels);
        let window = channels.entry(channel).or_default();
        window.reset_if_over(now);
        match window.remaining {
            Some(0) => match window.reset_at {
                Some(at) => Turn::WaitFor(at - now),
                // Full with no reset announced: the answers under way will tell.
                None => Turn::WaitForAnswer,
            },
            Some(left) => {
                window.remaining = Some(left - 1);
                window.in_flight += 1;
                Turn::Go
            }
            // Nothing known: one post asks first.
            None if window.in_flight == 0 => {
                window.in_flight += 1;
                Turn::Go
            }
            None => Turn::WaitForAnswer,
        }
    }

    /// Gives back a turn taken but not used.
    pub fn cancel(&self, channel: u64) {
        let mut channels = lock(&self.channels);
        if let Some(window) = channels.get_mut(&channel) {
            window.in_flight = window.in_flight.saturating_sub(1);
            if let Some(left) = &mut window.remaining {
                *left += 1;
            }
        }
    }

    /// Ends a turn with what its response announced (`None`: no response came).
    pub fn end(&self, channel: u64, answer: Option<(&Headers, bool)>, now: Instant) {
        let mut channels = lock(&self.channels);
        let window = channels.entry(channel).or_default();
        window.in_flight = window.in_flight.saturating_sub(1);
        window.reset_if_over(now);
        let Some((headers, refused)) = answer else {
            return;
        };
        if refused {
            let wait = headers.wait_after_429().unwrap_or(Duration::from_secs(1));
            if headers.global {
                *lock(&self.global) = Some(now + wait);
            } else {
                window.remaining = Some(0);
                window.reset_at = Some(now + wait);
            }
            return;
        }
        if headers.limit.is_some() {
            window.limit = headers.limit;
        }
        if let (Some(remaining), Some(reset_after)) = (headers.remaining, headers.reset_after) {
            // Answers to posts sent together may arrive in any order: the fewest left counts,
            // less the posts still under way, which the window has not counted yet.
            let announced = remaining.saturating_sub(window.in_flight);
            window.remaining = Some(window.remaining.map_or(announced, |r| r.min(announced)));
            window.reset_at = Some(now + reset_after);
        }
        // Windows of channels nobody posts in are forgotten (the next post there asks first), so
        // the map does not grow with every thread ever answered.
        channels.retain(|_, w| w.in_flight > 0 || w.reset_at.is_some_and(|at| at > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> Headers {
        Headers::read(|name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn one_post_asks_first_and_its_answer_opens_the_window() {
        let windows = Announced::default();
        let now = Instant::now();
        assert_eq!(windows.begin(7, now), Turn::Go);
        assert_eq!(windows.begin(7, now), Turn::WaitForAnswer);
        let answer = headers(&[
            ("x-ratelimit-limit", "3"),
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-reset-after", "5"),
        ]);
        windows.end(7, Some((&answer, false)), now);
        assert_eq!(windows.begin(7, now), Turn::Go);
        assert_eq!(windows.begin(7, now), Turn::Go);
        assert_eq!(windows.begin(7, now), Turn::WaitFor(Duration::from_secs(5)));
        // Once the window resets, its known limit is the room.
        let later = now + Duration::from_secs(5);
        windows.end(7, None, now);
        for _ in 0..3 {
            assert_eq!(windows.begin(7, later), Turn::Go);
        }
        assert_eq!(windows.begin(8, now), Turn::Go, "another channel");
    }

    #[test]
    fn a_429_waits_as_told_and_a_global_one_stops_every_channel() {
        let windows = Announced::default();
        let now = Instant::now();
        assert_eq!(windows.begin(7, now), Turn::Go);
        windows.end(7, Some((&headers(&[("retry-after", "4")]), true)), now);
        assert_eq!(windows.begin(7, now), Turn::WaitFor(Duration::from_secs(4)));
        assert_eq!(windows.begin(8, now), Turn::Go);
        let global = headers(&[("retry-after", "1"), ("x-ratelimit-global", "true")]);
        windows.end(8, Some((&global, true)), now);
        assert_eq!(windows.begin(9, now), Turn::WaitFor(Duration::from_secs(1)));
    }

    #[test]
    fn a_turn_not_used_is_given_back() {
        let windows = Announced::default();
        let now = Instant::now();
        assert_eq!(windows.begin(7, now), Turn::Go);
        windows.cancel(7);
        assert_eq!(windows.begin(7, now), Turn::Go);
    }

    #[test]
    fn odd_headers_are_ignored_or_capped() {
        let odd = headers(&[
            ("retry-after", "-3"),
            ("x-ratelimit-reset-after", "1e9"),
            ("x-ratelimit-remaining", "x"),
        ]);
        assert_eq!(odd.retry_after, None);
        assert_eq!(odd.reset_after, Some(LONGEST_WAIT));
        assert_eq!(odd.remaining, None);
    }
}
