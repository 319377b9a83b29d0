//! Templates of the charting pages, and the view rows they show.

use askama::Template;

use crate::charting::catalog::{CatalogEntry, Muscle};
use crate::charting::findings::Finding;
use crate::charting::forms::{FactorForm, MuscleForm};
use crate::charting::vocab::{
    Classification, Criterion, FactorCategory, FactorSource, FactorStatus, Finding3, PptUnit,
    ReferralQuality, Region, Side, Technique, View, Zone,
};
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::web::page::Ctx;

/// The vocabularies, for select boxes and radio buttons in templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vocab;

impl Vocab {
    pub fn regions(&self) -> &'static [Region] {
        Region::ALL
    }
    pub fn views(&self) -> &'static [View] {
        View::ALL
    }
    pub fn sides(&self) -> &'static [Side] {
        Side::ALL
    }
    pub fn classifications(&self) -> &'static [Classification] {
        Classification::ALL
    }
    pub fn answers(&self) -> &'static [Finding3] {
        Finding3::ALL
    }
    pub fn criteria(&self) -> &'static [Criterion] {
        Criterion::ALL
    }
    pub fn ppt_units(&self) -> &'static [PptUnit] {
        PptUnit::ALL
    }
    pub fn qualities(&self) -> &'static [ReferralQuality] {
        ReferralQuality::ALL
    }
    pub fn zones(&self) -> &'static [Zone] {
        Zone::ALL
    }
    pub fn techniques(&self) -> &'static [Technique] {
        Technique::ALL
    }
    pub fn categories(&self) -> &'static [FactorCategory] {
        FactorCategory::ALL
    }
    pub fn sources(&self) -> &'static [FactorSource] {
        FactorSource::ALL
    }
    pub fn statuses(&self) -> &'static [FactorStatus] {
        FactorStatus::ALL
    }
}

/// A finding as shown in lists.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub finding: Finding,
    pub muscle_name: String,
    pub side: &'static str,
    pub classification: &'static str,
    /// Criteria answered yes or no (not the untested ones): (label, answer label).
    pub criteria: Vec<(&'static str, &'static str)>,
    /// e.g. "3.5 kg/cm² (343 kPa)".
    pub ppt: Option<String>,
    pub referral: Option<String>,
}

impl FindingRow {
    pub fn new(finding: Finding, muscle: &Muscle) -> FindingRow {
        let f = &finding.fields;
        let criteria = Criterion::ALL
            .iter()
            .zip(f.criteria())
            .filter_map(|(criterion, (_, answer))| match Finding3::parse(answer) {
                Some(Finding3::NotTested) | None => None,
                Some(a) => Some((criterion.label(), a.label())),
            })
            .collect();
        let ppt = match (f.ppt_value, f.ppt_unit.as_deref().and_then(PptUnit::parse), f.ppt_kpa) {
            (Some(value), Some(PptUnit::KiloPascal), _) => Some(format!("{value} kPa")),
            (Some(value), Some(unit), Some(kpa)) => Some(format!("{value} {} ({kpa:.0} kPa)", unit.label())),
            _ => None,
        };
        let referral = match (&f.referral_quality, &f.referral_zone) {
            (None, None) => None,
            (quality, zone) => Some(
                [
                    quality.as_deref().map(ReferralQuality::label_of),
                    zone.as_deref().map(Zone::label_of).map(|z| z.to_lowercase()).as_deref(),
                ]
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join(" — "),
            ),
        };
        FindingRow {
            side: Side::parse(&f.side).map_or("", Side::label),
            classification: Classification::parse(&f.classification).map_or("", Classification::label),
            muscle_name: muscle.name.clone(),
            criteria,
            ppt,
            referral,
            finding,
        }
    }
}

#[derive(Template)]
#[template(path = "charting/factor_form.html")]
pub struct FactorPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub client: Client,
    /// None when creating.
    pub factor_id: Option<String>,
    pub form: FactorForm,
    pub errors: FieldErrors,
    /// The client's findings a factor can be linked to: (id, label).
    pub findings: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "charting/muscles.html")]
pub struct MusclesPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub muscles: Vec<CatalogEntry>,
    /// Selected filters ("" for none).
    pub zone: String,
    pub region: String,
}

#[derive(Template)]
#[template(path = "charting/muscle_form.html")]
pub struct MuscleFormPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub form: MuscleForm,
    pub errors: FieldErrors,
}
