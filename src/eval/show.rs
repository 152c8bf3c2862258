//! A report for people: the text `faqbot eval` prints, the curve's table and the HTML page.

use std::fmt::Write as _;

use super::{CurvePoint, Miss, Report, Wrong, LISTED_PER_KIND};

impl Report {
    /// The figures and the wrong cases by kind, for people: at most [`LISTED_PER_KIND`] of each
    /// unless `all`.
    pub fn human(&self, all: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "cases                  {}", self.cases);
        let _ = writeln!(out, "top-1                  {:.3}", self.top1);
        let _ = writeln!(out, "MRR@5                  {:.3}", self.mrr);
        let _ = writeln!(out, "suggestion precision   {:.3}", self.precision);
        let _ = writeln!(out, "suggestion recall      {:.3}", self.recall);
        if self.nones == 0 {
            let _ = writeln!(out, "false suggestions      no none cases");
        } else {
            let _ = writeln!(out, "false suggestions      {:.3}", self.false_rate);
        }
        let _ = writeln!(
            out,
            "decided by            {} by the model's second opinion, {} by words alone",
            self.by_model,
            self.cases - self.by_model
        );
        for miss in Miss::ALL {
            let cases: Vec<&Wrong> = self.wrong.iter().filter(|w| w.miss == miss).collect();
            if cases.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{} ({}):", miss.heading(), cases.len());
            let shown = if all { cases.len() } else { LISTED_PER_KIND };
            for w in cases.iter().take(shown) {
                let best = w
                    .best
                    .as_ref()
                    .map_or("nothing".to_owned(), |(id, s)| format!("{id} {s:.3}"));
                let suggested = w.suggested.as_deref().unwrap_or("-");
                let _ = writeln!(
                    out,
                    "  expect {:<24} best {:<30} suggest {:<24} {:?}",
                    w.expect, best, suggested, w.text
                );
            }
            if cases.len() > shown {
                let _ = writeln!(
                    out,
                    "  … and {} more (--all lists every case)",
                    cases.len() - shown
                );
            }
        }
        out
    }
}

/// The curve as a table for the terminal, the current `min_confidence` marked.
pub fn curve_table(points: &[CurvePoint], current: f32) -> String {
    let mut out = String::from("min_confidence  precision  recall  false\n");
    for p in points {
        let mark = if (p.min_confidence - current).abs() < 0.025 {
            "  <- nearest the current setting"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{:>14.2}  {:>9.3}  {:>6.3}  {:>5.3}{mark}",
            p.min_confidence, p.precision, p.recall, p.false_rate
        );
    }
    out
}

/// A self-contained page: the precision-recall curve over `min_confidence`, the table, and the
/// wrong cases, so a maintainer can see where to set it. One template, top to bottom.
pub fn html(report: &Report, points: &[CurvePoint], current: f32) -> String {
    use crate::report::escape;
    let svg = curve(points, current);
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>faqbot eval</title>\
         <style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}\
         table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:right}\
         td.text,th.text{text-align:left}tr:nth-child(even){background:#f4f4f4}</style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>faqbot eval</h1><p>{} cases: top-1 {:.3}, precision {:.3}, recall {:.3}, false suggestions {:.3} at min_confidence {:.2} (red).</p>{svg}",
        report.cases, report.top1, report.precision, report.recall, report.false_rate, current
    );
    page += "<h2>Over min_confidence</h2><table><tr><th>min_confidence</th><th>precision</th><th>recall</th><th>false</th></tr>";
    for p in points {
        let _ = write!(
            page,
            "<tr><td>{:.2}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td></tr>",
            p.min_confidence, p.precision, p.recall, p.false_rate
        );
    }
    let _ = write!(
        page,
        "</table><h2>Wrong cases ({})</h2><table><tr><th class=\"text\">expected</th><th class=\"text\">best</th><th class=\"text\">suggested</th><th class=\"text\">message</th></tr>",
        report.wrong.len()
    );
    for w in &report.wrong {
        let best = w
            .best
            .as_ref()
            .map_or("nothing".to_owned(), |(id, s)| format!("{id} {s:.2}"));
        let _ = write!(
            page,
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
            escape(&w.expect),
            escape(&best),
            escape(w.suggested.as_deref().unwrap_or("-")),
            escape(&w.text)
        );
    }
    page + "</table></body></html>\n"
}

/// The precision-recall curve as SVG, the point at `current` in red.
fn curve(points: &[CurvePoint], current: f32) -> String {
    let (width, height, pad) = (480.0, 360.0, 40.0);
    let x = |recall: f64| pad + (width - 2.0 * pad) * recall;
    let y = |precision: f64| height - pad - (height - 2.0 * pad) * precision;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"precision and recall\" width=\"{width}\" height=\"{height}\">\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#999\"/>\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#999\"/>\
         <text x=\"{r}\" y=\"{lb}\" text-anchor=\"end\">recall →</text>\
         <text x=\"4\" y=\"{lt}\">precision</text>",
        b = height - pad,
        r = width - pad,
        lb = height - 10.0,
        lt = pad - 10.0,
    );
    let line: Vec<String> = points
        .iter()
        .map(|p| format!("{:.1},{:.1}", x(p.recall), y(p.precision)))
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\" points=\"{}\"/>",
        line.join(" ")
    );
    for p in points {
        let here = (p.min_confidence - current).abs() < 0.025;
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\"><title>min_confidence {:.2}: precision {:.3}, recall {:.3}, false {:.3}</title></circle>",
            x(p.recall),
            y(p.precision),
            if here { 6 } else { 3 },
            if here { "#c53030" } else { "#2b6cb0" },
            p.min_confidence,
            p.precision,
            p.recall,
            p.false_rate
        );
    }
    svg + "</svg>"
}
