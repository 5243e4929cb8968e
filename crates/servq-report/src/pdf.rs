//! The PDF: the view set by typst (in process) with a static CJK font, embedded and subset.
//! Variable CJK fonts render as empty boxes in typst, so the caller passes a static one (Debian's
//! `fonts-wqy-microhei`, or a static Noto CJK); it is parsed once into [`Fonts`].

use typst::foundations::{Bytes, Dict, IntoValue, Str};
use typst::text::Font;
use typst_as_lib::TypstEngine;

use crate::ReportError;
use crate::view::ReportView;

static TEMPLATE: &str = include_str!("../templates/monthly.typ");

/// Parsed fonts; the first face names the family the report is set in.
#[derive(Clone)]
pub struct Fonts {
    faces: Vec<Font>,
    family: String,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fonts({}, {} faces)", self.family, self.faces.len())
    }
}

impl Fonts {
    /// Parses a font file (TTF, OTF or a TTC collection). Refused when it has no face or the
    /// first face cannot set Chinese (the report's headings are Chinese for zh readers).
    pub fn parse(bytes: Vec<u8>) -> Result<Fonts, ReportError> {
        let faces: Vec<Font> = Font::iter(Bytes::new(bytes)).collect();
        let first = faces.first().ok_or(ReportError::NoFont)?;
        if !first.info().coverage.contains('服' as u32) {
            return Err(ReportError::NoCjkGlyphs(first.info().family.clone()));
        }
        Ok(Fonts {
            family: first.info().family.clone(),
            faces,
        })
    }

    /// The family the report is set in.
    pub fn family(&self) -> &str {
        &self.family
    }
}

/// typst's language and region of a catalogue language.
fn lang_region(language: &str) -> (&'static str, &'static str) {
    match language {
        "zh-TW" => ("zh", "tw"),
        "en" => ("en", "gb"),
        _ => ("zh", "cn"),
    }
}

/// The PDF of `view`.
pub fn pdf(view: &ReportView, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts.faces.iter().cloned())
        .build();
    let data = serde_json::to_string(view).map_err(|e| ReportError::Render(e.to_string()))?;
    let (lang, region) = lang_region(&view.language);
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Str::from(data).into_value());
    inputs.insert("font".into(), Str::from(fonts.family.as_str()).into_value());
    inputs.insert("lang".into(), Str::from(lang).into_value());
    inputs.insert("region".into(), Str::from(region).into_value());
    let document: typst_layout::PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| ReportError::Render(format!("{e:?}")))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|e| ReportError::Render(format!("{e:?}")))
}
