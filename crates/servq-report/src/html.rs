//! The HTML: one self-contained page (styles inside, charts as inline SVG, no script), the file
//! `servq report monthly --format html` writes and the web shows.

use askama::Template;

use crate::ReportError;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "monthly.html")]
struct Page<'a> {
    view: &'a ReportView,
}

/// The HTML page of `view`.
pub fn html(view: &ReportView) -> Result<String, ReportError> {
    Page { view }
        .render()
        .map_err(|e| ReportError::Render(e.to_string()))
}
