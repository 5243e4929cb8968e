//! servq's monthly quality report: the data snapshot a report stores ([`MonthlyReport`]), the
//! view people read ([`view`]) and its three renderings — a self-contained HTML page
//! ([`html`]), a PDF set by typst with an embedded CJK font and vector charts ([`pdf`]) and a
//! workbook with native charts ([`xlsx`]). The crate does no IO: the use case in `servq-app`
//! reads the store into a snapshot and hands the font file's bytes in.

mod chart;
mod html;
mod pdf;
mod snapshot;
mod view;
mod xlsx;

pub use chart::{Chart, Line, Tick};
pub use html::html;
pub use pdf::{Fonts, pdf};
pub use snapshot::*;
pub use view::{Labels, MeasureRow, ReportView, Table, view};
pub use xlsx::xlsx;

/// Why a rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The font file holds no font.
    #[error("the font file holds no font")]
    NoFont,
    /// The font cannot set Chinese.
    #[error(
        "the font '{0}' has no Chinese glyphs; use a static CJK font such as fonts-wqy-microhei"
    )]
    NoCjkGlyphs(String),
    /// The renderer failed (a bug: the view is always renderable).
    #[error("the report could not be rendered: {0}")]
    Render(String),
}
