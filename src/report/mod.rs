//! `faqbot stats`: the store's statistics as text for the terminal and as one self-contained HTML
//! page (inline SVG and CSS, nothing loaded from a network).

use crate::time::period;
use std::fmt::Write as _;

mod gaps;
pub use gaps::{GapRow, Gaps};

use crate::store::Stats;

/// Entries drawn in the bar chart.
const TOP_ENTRIES: usize = 15;

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// A table per entry, the days, and the unmatched questions.
pub fn text(stats: &Stats, days: u64) -> String {
    let mut out = format!("faqbot statistics, {}\n\n", period(days));
    if stats.entries.is_empty() {
        out += "Nothing was shown yet.\n";
    } else {
        let width = stats
            .entries
            .iter()
            .map(|e| e.entry.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  shown  unasked  /faq  linked  solved  not it  dismissed  helpful",
            "entry"
        );
        for e in &stats.entries {
            let _ = writeln!(
                out,
                "{:<width$}  {:>5}  {:>7}  {:>4}  {:>6}  {:>6}  {:>6}  {:>9}  {:>7}",
                e.entry,
                e.shown(),
                e.auto,
                e.faq,
                e.link,
                e.solved,
                e.not_it,
                e.dismissed,
                percent(e.helpful_rate())
            );
        }
    }
    if !stats.days.is_empty() {
        out += "\nday         unasked  helpful\n";
        for d in &stats.days {
            let _ = writeln!(
                out,
                "{}  {:>7}  {:>7}",
                d.day,
                d.suggestions,
                percent(d.helpful_rate())
            );
        }
    }
    if !stats.unmatched.is_empty() {
        out += "\nAsked often in watched channels, matched nothing:\n";
        for (text, count) in &stats.unmatched {
            let _ = writeln!(out, "{count:>5}×  {}", crate::render::one_line(text, 100));
        }
    }
    out
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: a bar chart of the most shown entries, a daily line of unasked suggestions and
/// their helpful rate, the tables, and the gaps when given.
pub fn html(stats: &Stats, days: u64, gaps: Option<&Gaps>) -> String {
    let period = period(days);
    let mut page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>faqbot statistics</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}}\
         table{{border-collapse:collapse}}td,th{{padding:.2em .6em;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}tr:nth-child(even){{background:#f4f4f4}}\
         svg text{{font-size:12px}}.gap h3{{margin-bottom:.2em}}.gap p{{margin:.2em 0}}</style></head><body>\
         <h1>faqbot, {period}</h1>"
    );
    let nothing_gaps = gaps.is_none_or(|g| g.gaps.is_empty() && g.pages.is_empty());
    if stats.entries.is_empty()
        && stats.unmatched.is_empty()
        && stats.days.is_empty()
        && nothing_gaps
    {
        page += "<p>Nothing was recorded in this period: the bot has shown no entry and seen no \
                 unanswered question yet. Run it (or `faqbot demo`) and look again.</p>";
        return page + "</body></html>\n";
    }
    page += &bar_chart(stats);
    page += &day_chart(stats);
    page += "<h2>Per entry</h2><table><tr><th>entry</th><th>shown</th><th>unasked</th>\
             <th>/faq</th><th>linked</th><th>solved</th><th>not it</th><th>dismissed</th>\
             <th>helpful</th></tr>";
    for e in &stats.entries {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(&e.entry),
            e.shown(),
            e.auto,
            e.faq,
            e.link,
            e.solved,
            e.not_it,
            e.dismissed,
            percent(e.helpful_rate())
        );
    }
    page += "</table><h2>Asked often, matched nothing</h2>";
    if stats.unmatched.is_empty() {
        page += "<p>Nothing yet.</p>";
    } else {
        page += "<table><tr><th>message</th><th>times</th></tr>";
        for (text, count) in &stats.unmatched {
            let _ = write!(page, "<tr><td>{}</td><td>{count}</td></tr>", escape(text));
        }
        page += "</table>";
    }
    if let Some(gaps) = gaps {
        page += &gaps::section(gaps, days);
    }
    page + "</body></html>\n"
}

fn bar_chart(stats: &Stats) -> String {
    let top: Vec<_> = stats.entries.iter().take(TOP_ENTRIES).collect();
    if top.is_empty() {
        return "<p>Nothing was shown yet.</p>".to_owned();
    }
    let max = top.iter().map(|e| e.shown()).max().unwrap_or(1).max(1) as f64;
    let (label, bar, row) = (220.0, 400.0, 22.0);
    let height = row * top.len() as f64 + 10.0;
    let mut svg = format!(
        "<h2>Most shown entries</h2><svg role=\"img\" aria-label=\"most shown entries\" \
         width=\"{}\" height=\"{height}\">",
        label + bar + 60.0
    );
    for (i, e) in top.iter().enumerate() {
        let y = i as f64 * row + 5.0;
        let width = bar * e.shown() as f64 / max;
        let helped = bar * e.solved as f64 / max;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label}\" y=\"{y}\" width=\"{width:.1}\" height=\"16\" fill=\"#8fb3d9\"/>\
             <rect x=\"{label}\" y=\"{y}\" width=\"{helped:.1}\" height=\"16\" fill=\"#3a7d44\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            label - 6.0,
            y + 12.0,
            escape(&e.entry),
            label + width + 4.0,
            y + 12.0,
            e.shown()
        );
    }
    svg + "</svg><p>Blue: shown; green: of those, solved.</p>"
}

/// Two small charts over the days: unasked suggestions a day, and the share of them that helped;
/// each with its own labelled axis, so that a count and a share are never read on one scale.
fn day_chart(stats: &Stats) -> String {
    if stats.days.is_empty() {
        return String::new();
    }
    // A line needs two days; one day is said in words rather than drawn as a lone dot.
    if let [day] = stats.days.as_slice() {
        let helped = day.helpful_rate().map_or(String::new(), |rate| {
            format!(", {} helpful", percent(Some(rate)))
        });
        return format!(
            "<h2>Unasked suggestions per day</h2><p>{}: {} unasked suggestions{helped}. \
             The charts by day start with a second day.</p>",
            escape(&day.day),
            day.suggestions
        );
    }
    let max = stats
        .days
        .iter()
        .map(|d| d.suggestions)
        .max()
        .unwrap_or(0)
        .max(1);
    let counts: Vec<Option<f64>> = stats
        .days
        .iter()
        .map(|d| Some(d.suggestions as f64 / max as f64))
        .collect();
    let rates: Vec<Option<f64>> = stats.days.iter().map(|d| d.helpful_rate()).collect();
    let (first, last) = (&stats.days[0].day, &stats.days[stats.days.len() - 1].day);
    let mut html = String::from("<h2>Unasked suggestions per day</h2>");
    html += &small_chart(
        "suggestions a day",
        &counts,
        &[(0.0, "0".to_owned()), (1.0, max.to_string())],
        (first, last),
        "#2b6cb0",
    );
    html += "<h2>Helpful, per day</h2>";
    html += &small_chart(
        "share solved among the day's suggestions with a verdict",
        &rates,
        &[
            (0.0, "0%".to_owned()),
            (0.5, "50%".to_owned()),
            (1.0, "100%".to_owned()),
        ],
        (first, last),
        "#3a7d44",
    );
    html
}

/// A line over days of `values` in [0, 1] (a gap where one is `None`), with `ticks` labelling the
/// vertical axis, the first and last day under the horizontal one, and `what` naming the axis.
fn small_chart(
    what: &str,
    values: &[Option<f64>],
    ticks: &[(f64, String)],
    (first, last): (&str, &str),
    colour: &str,
) -> String {
    let (width, height, left, pad) = (640.0, 150.0, 48.0, 24.0);
    let n = values.len();
    let x = |i: usize| {
        left + (width - left - pad)
            * if n > 1 {
                i as f64 / (n - 1) as f64
            } else {
                0.5
            }
    };
    let y = |share: f64| height - pad - (height - 2.0 * pad) * share;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{what}\" width=\"{width}\" height=\"{height}\">\
         <line x1=\"{left}\" y1=\"{pad}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"#999\"/>\
         <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#999\"/>",
        what = escape(what),
        bottom = height - pad,
        right = width - pad,
    );
    for (at, label) in ticks {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y(*at) + 4.0,
            escape(label)
        );
    }
    // Consecutive days with a value are joined; a day without one breaks the line.
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, svg: &mut String| {
        if run.len() == 1 {
            let (px, py) = run[0].split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                svg,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>"
            );
        } else if run.len() > 1 {
            let _ = write!(
                svg,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                run.join(" ")
            );
        }
        run.clear();
    };
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
            None => flush(&mut run, &mut svg),
        }
    }
    flush(&mut run, &mut svg);
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>\
         <p>Up: {}. Across: the days from {} to {}.</p>",
        height - 6.0,
        escape(first),
        width - pad,
        height - 6.0,
        escape(last),
        escape(what),
        escape(first),
        escape(last)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::{DayStats, EntryStats};

    fn sample() -> Stats {
        Stats {
            entries: vec![EntryStats {
                entry: "500-error".into(),
                auto: 4,
                faq: 1,
                link: 1,
                solved: 2,
                not_it: 1,
                dismissed: 1,
            }],
            days: vec![
                DayStats {
                    day: "2026-11-01".into(),
                    suggestions: 3,
                    solved: 1,
                    unhelpful: 1,
                },
                DayStats {
                    day: "2026-11-02".into(),
                    suggestions: 1,
                    solved: 1,
                    unhelpful: 0,
                },
            ],
            unmatched: vec![("how do I <script> a tenant".into(), 3)],
        }
    }

    #[test]
    fn text_has_the_figures() {
        let text = text(&sample(), 30);
        assert!(text.contains("500-error"), "{text}");
        assert!(text.contains("50%"), "{text}");
        assert!(text.contains("2026-11-02"), "{text}");
        assert!(text.contains("3×"), "{text}");
    }

    #[test]
    fn the_day_charts_have_their_own_labelled_axes() {
        let page = html(&sample(), 30, None);
        // Counts on one chart, up to the busiest day's 3; the helpful share on another, in %.
        assert!(page.contains(">3</text>"), "{page}");
        assert!(
            page.contains(">100%</text>") && page.contains(">50%</text>"),
            "{page}"
        );
        assert_eq!(page.matches("<svg").count(), 3, "{page}");
        assert!(page.contains(">2026-11-01</text>"), "{page}");
    }

    #[test]
    fn one_day_is_said_in_words_not_drawn_as_a_lone_dot() {
        let mut stats = sample();
        stats.days.truncate(1);
        let page = html(&stats, 30, None);
        assert!(
            page.contains("2026-11-01: 3 unasked suggestions, 50% helpful"),
            "{page}"
        );
        assert!(
            !page.contains("<circle") && !page.contains("<polyline"),
            "{page}"
        );
        let two = html(&sample(), 30, None);
        assert!(
            two.contains("Across: the days from 2026-11-01 to 2026-11-02"),
            "{two}"
        );
        assert!(!two.contains("by day."), "{two}");
    }

    #[test]
    fn an_empty_period_is_a_sentence_not_empty_tables() {
        let page = html(&Stats::default(), 30, None);
        assert!(
            page.contains("Nothing was recorded in this period"),
            "{page}"
        );
        assert!(!page.contains("<table"), "{page}");
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let page = html(&sample(), 30, None);
        assert!(page.contains("<svg"), "{page}");
        assert!(page.contains("<polyline"), "{page}");
        assert!(page.contains("&lt;script&gt;"), "{page}");
        assert!(!page.contains("<script"), "{page}");
        assert!(
            !page.contains("http"),
            "nothing is loaded from a network: {page}"
        );
    }
}
