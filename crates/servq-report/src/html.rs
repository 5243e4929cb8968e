//! The HTML: one self-contained page (styles inside, charts as inline SVG, no script), the file
//! `servq report monthly --format html` writes and the web shows.

use askama::Template;

use crate::ReportError;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "monthly.html")]
struct Page<'a> {
    view: &'a ReportView,
    links: &'a [(&'a str, &'a str)],
}

/// The HTML page of `view`; `links` (address and text: back to the archive, the downloads) head
/// the page where it is shown inside the web app (the file people keep or mail has none).
pub fn html(view: &ReportView, links: &[(&str, &str)]) -> Result<String, ReportError> {
    Page { view, links }
        .render()
        .map_err(|e| ReportError::Render(e.to_string()))
}
