//! The HTML: one self-contained page (styles inside, charts as inline SVG, no script), the file
//! `servq report monthly --format html` writes and the web shows.

use askama::Template;

use crate::ReportError;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "monthly.html")]
struct Page<'a> {
    view: &'a ReportView,
    back: Option<(&'a str, &'a str)>,
}

/// The HTML page of `view`; `back` (a link and its text) heads the page where it is shown inside
/// the web app (the file people keep or mail has none).
pub fn html(view: &ReportView, back: Option<(&str, &str)>) -> Result<String, ReportError> {
    Page { view, back }
        .render()
        .map_err(|e| ReportError::Render(e.to_string()))
}
