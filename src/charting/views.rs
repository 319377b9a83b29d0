//! Templates of the charting pages, and the view rows they show.

use askama::Template;

use crate::charting::catalog::{CatalogEntry, Muscle};
use crate::charting::findings::{Finding, ppt_label};
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
        let criteria = f
            .criteria()
            .into_iter()
            .filter(|(_, answer)| *answer != Finding3::NotTested)
            .map(|(criterion, answer)| (criterion.label(), answer.label()))
            .collect();
        let referral = match (f.referral_quality, f.referral_zone) {
            (None, None) => None,
            (quality, zone) => Some(
                [quality.map(|q| q.label().to_owned()), zone.map(|z| z.label().to_lowercase())]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" — "),
            ),
        };
        FindingRow {
            side: f.side.label(),
            classification: f.classification.label(),
            ppt: ppt_label(f),
            muscle_name: muscle.name.clone(),
            criteria,
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
    pub name: String,
}

#[derive(Template)]
#[template(path = "charting/muscle_form.html")]
pub struct MuscleFormPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub form: MuscleForm,
    pub errors: FieldErrors,
}
