//! The statistics page's "Gaps" section: what members keep asking that no entry answers, each gap
//! with its questions a day as a small chart, so that a moderator sees which ones grow.

use std::fmt::Write as _;

use super::escape;

/// One gap (or a docs page the staff answered with) as the page shows it.
#[derive(Debug, Clone, Default)]
pub struct GapRow {
    /// Its label, or the page.
    pub title: String,
    /// Its questions in the period, from how many members, and in the period before.
    pub count: usize,
    pub askers: usize,
    pub before: usize,
    /// Its most typical question.
    pub example: String,
    /// What to do about it.
    pub action: String,
    /// Its questions on each day of the period, oldest first.
    pub per_day: Vec<u64>,
}

/// The section's content: the gaps and pages listed, the period's first and last day, and a note
/// when the gaps could not be read.
#[derive(Debug, Clone, Default)]
pub struct Gaps {
    pub gaps: Vec<GapRow>,
    pub pages: Vec<GapRow>,
    pub first_day: String,
    pub last_day: String,
    pub note: Option<String>,
}

/// The section: a note, or each gap with its chart, then the staff's pages likewise.
pub(super) fn section(gaps: &Gaps, days: u64) -> String {
    let mut html = String::from("<h2>Gaps: asked often, answered by no entry</h2>");
    if let Some(note) = &gaps.note {
        return html + &format!("<p>{}</p>", escape(note));
    }
    if gaps.gaps.is_empty() {
        html += "<p>Nothing is asked often enough to be a gap (3 alike questions make one).</p>";
    }
    // One scale for every chart, so that a taller chart is a gap asked more often.
    let max = gaps
        .gaps
        .iter()
        .chain(&gaps.pages)
        .flat_map(|g| g.per_day.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    for row in &gaps.gaps {
        html += &gap(row, max, days, "questions");
    }
    if !gaps.pages.is_empty() {
        html += "<h3>Docs pages the staff answered with that no entry links</h3>";
    }
    for row in &gaps.pages {
        html += &gap(row, max, days, "questions answered with it");
    }
    let _ = write!(
        html,
        "<p>Each chart: up, questions a day (the tallest bar is {max}); across, the days from {} to {}.</p>",
        escape(&gaps.first_day),
        escape(&gaps.last_day),
    );
    html
}

fn gap(row: &GapRow, max: u64, days: u64, what: &str) -> String {
    format!(
        "<div class=\"gap\"><h3>{}</h3><p>{} {what} from {} members ({} in the {days} days \
         before), e.g. “{}”</p>{}<p>{}</p></div>",
        escape(&row.title),
        row.count,
        row.askers,
        row.before,
        escape(&row.example),
        bars(&row.per_day, max, &row.title),
        escape(&row.action)
    )
}

/// A bar per day, `max` the full height.
fn bars(per_day: &[u64], max: u64, title: &str) -> String {
    let (width, height) = (360.0, 40.0);
    let step = width / per_day.len().max(1) as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{} a day\" width=\"{width}\" height=\"{height}\">\
         <line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#999\"/>",
        escape(title)
    );
    for (i, &count) in per_day.iter().enumerate().filter(|(_, &c)| c > 0) {
        let bar = height * count as f64 / max as f64;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"#c05621\"><title>{count}</title></rect>",
            i as f64 * step,
            height - bar,
            (step - 1.0).max(1.0)
        );
    }
    svg + "</svg>"
}
