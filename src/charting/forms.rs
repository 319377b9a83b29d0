//! Charting forms: a trigger-point finding, a perpetuating factor, a practice-specific muscle.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::charting::catalog::{MAP_HEIGHT, MAP_WIDTH, NewCustomMuscle};
use crate::charting::factors::{Factor, FactorFields};
use crate::charting::findings::{Finding, FindingFields};
use crate::charting::vocab::{
    Classification, FactorCategory, FactorSource, FactorStatus, Finding3, PptUnit, ReferralQuality, Region,
    Side, View, Zone,
};
use crate::error::FieldErrors;
use crate::sensitive::debug_only;
use crate::web::fields::{Checker, LONG_TEXT, SHORT_TEXT};

/// Pressure-pain thresholds above this many kPa are typing errors.
const MAX_PPT_KPA: f64 = 2000.0;

/// A trigger point as typed. On the visit page it shares one form with the note, so its notes
/// travel as `finding_notes`.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct FindingForm {
    pub muscle_id: String,
    pub side: String,
    pub site_label: String,
    pub map_view: String,
    pub map_x: String,
    pub map_y: String,
    pub classification: String,
    pub taut_band: String,
    pub hypersensitive_spot: String,
    pub referred_sensation: String,
    pub pain_recognition: String,
    pub twitch_response: String,
    pub jump_sign: String,
    pub restricted_rom: String,
    pub weakness: String,
    pub pain_nrs: String,
    pub ppt_value: String,
    pub ppt_unit: String,
    pub referral_quality: String,
    pub referral_zone: String,
    #[serde(rename = "finding_notes")]
    pub notes: String,
}

debug_only!(FindingForm: muscle_id, side);

impl Default for FindingForm {
    /// A blank finding: every criterion "not tested", pressure in kg/cm².
    fn default() -> FindingForm {
        let nt = Finding3::NotTested.code().to_owned();
        FindingForm {
            muscle_id: String::new(),
            side: String::new(),
            site_label: String::new(),
            map_view: String::new(),
            map_x: String::new(),
            map_y: String::new(),
            classification: Classification::Active.code().into(),
            taut_band: nt.clone(),
            hypersensitive_spot: nt.clone(),
            referred_sensation: nt.clone(),
            pain_recognition: nt.clone(),
            twitch_response: nt.clone(),
            jump_sign: nt.clone(),
            restricted_rom: nt.clone(),
            weakness: nt,
            pain_nrs: String::new(),
            ppt_value: String::new(),
            ppt_unit: PptUnit::KgPerCm2.code().into(),
            referral_quality: String::new(),
            referral_zone: String::new(),
            notes: String::new(),
        }
    }
}

fn num(value: Option<f64>) -> String {
    value.map(|v| format!("{v}")).unwrap_or_default()
}

/// A stored code as the form shows it ("" for none).
fn code<T: Copy>(value: Option<T>, code: fn(T) -> &'static str) -> String {
    value.map(code).unwrap_or_default().to_owned()
}

impl FindingForm {
    /// Whether nothing has been entered: the form is as a blank page sends it.
    pub fn is_blank(&self) -> bool {
        *self == FindingForm::default()
    }

    pub fn from_finding(finding: &Finding) -> FindingForm {
        let f = &finding.fields;
        FindingForm {
            muscle_id: f.muscle_id.clone(),
            side: f.side.code().to_owned(),
            site_label: f.site_label.clone().unwrap_or_default(),
            map_view: code(f.map_view, View::code),
            map_x: num(f.map_x),
            map_y: num(f.map_y),
            classification: f.classification.code().to_owned(),
            taut_band: f.taut_band.code().to_owned(),
            hypersensitive_spot: f.hypersensitive_spot.code().to_owned(),
            referred_sensation: f.referred_sensation.code().to_owned(),
            pain_recognition: f.pain_recognition.code().to_owned(),
            twitch_response: f.twitch_response.code().to_owned(),
            jump_sign: f.jump_sign.code().to_owned(),
            restricted_rom: f.restricted_rom.code().to_owned(),
            weakness: f.weakness.code().to_owned(),
            pain_nrs: f.pain_nrs.map(|p| p.to_string()).unwrap_or_default(),
            ppt_value: num(f.ppt_value),
            ppt_unit: f.ppt_unit.unwrap_or(PptUnit::KgPerCm2).code().to_owned(),
            referral_quality: code(f.referral_quality, ReferralQuality::code),
            referral_zone: code(f.referral_zone, Zone::code),
            notes: f.notes.clone().unwrap_or_default(),
        }
    }

    /// The answer typed for a criterion (by its code), for the template.
    pub fn criterion(&self, code: &str) -> &str {
        match code {
            "taut_band" => &self.taut_band,
            "hypersensitive_spot" => &self.hypersensitive_spot,
            "referred_sensation" => &self.referred_sensation,
            "pain_recognition" => &self.pain_recognition,
            "twitch_response" => &self.twitch_response,
            "jump_sign" => &self.jump_sign,
            "restricted_rom" => &self.restricted_rom,
            _ => &self.weakness,
        }
    }

    /// Checks everything but whether the muscle exists (the caller asks the catalog).
    pub fn validate(&self) -> Result<FindingFields, FieldErrors> {
        let mut c = Checker::default();
        let muscle_id = c.required("muscle_id", &self.muscle_id, SHORT_TEXT, "a muscle");
        let side = c.choice("side", &self.side, Side::parse, "a side");
        let classification = c.choice(
            "classification",
            &self.classification,
            Classification::parse,
            "active, latent or resolved",
        );
        // A refused value is replaced by a placeholder: the form comes back with errors anyway.
        let mut criterion = |field: &'static str, value: &str| {
            c.choice(field, value, Finding3::parse, "yes, no or not tested").unwrap_or(Finding3::NotTested)
        };
        let taut_band = criterion("taut_band", &self.taut_band);
        let hypersensitive_spot = criterion("hypersensitive_spot", &self.hypersensitive_spot);
        let referred_sensation = criterion("referred_sensation", &self.referred_sensation);
        let pain_recognition = criterion("pain_recognition", &self.pain_recognition);
        let twitch_response = criterion("twitch_response", &self.twitch_response);
        let jump_sign = criterion("jump_sign", &self.jump_sign);
        let restricted_rom = criterion("restricted_rom", &self.restricted_rom);
        let weakness = criterion("weakness", &self.weakness);
        // The map point is all or nothing, and on the figure.
        let (mut map_view, mut map_x, mut map_y) = (None, None, None);
        if !(self.map_view.trim().is_empty() && self.map_x.trim().is_empty() && self.map_y.trim().is_empty())
        {
            map_view = c.choice("map_view", &self.map_view, View::parse, "the front or back figure");
            map_x = parse_coordinate(&mut c, "map_x", &self.map_x, MAP_WIDTH);
            map_y = parse_coordinate(&mut c, "map_y", &self.map_y, MAP_HEIGHT);
        }
        let pain_nrs = c.int_in("pain_nrs", &self.pain_nrs, 0..=10, "Pain on pressure");
        let unit = if self.ppt_value.trim().is_empty() {
            None
        } else {
            c.choice("ppt_unit", &self.ppt_unit, PptUnit::parse, "a unit")
        };
        let ppt_value = c.positive("ppt_value", &self.ppt_value, MAX_PPT_KPA, "The pressure-pain threshold");
        let ppt_kpa = match (ppt_value, unit) {
            (Some(value), Some(unit)) => {
                let kpa = unit.to_kpa(value);
                if kpa > MAX_PPT_KPA {
                    c.fail("ppt_value", "That threshold is implausibly high; check the value and unit.");
                }
                Some(kpa)
            }
            _ => None,
        };
        let referral_quality = match self.referral_quality.trim() {
            "" => None,
            code => c.choice("referral_quality", code, ReferralQuality::parse, "how the referral feels"),
        };
        let referral_zone = match self.referral_zone.trim() {
            "" => None,
            code => c.choice("referral_zone", code, Zone::parse, "a zone from the list"),
        };
        let fields = FindingFields {
            muscle_id,
            side: side.unwrap_or(Side::Left),
            site_label: c.optional("site_label", &self.site_label, SHORT_TEXT),
            map_view,
            map_x,
            map_y,
            classification: classification.unwrap_or(Classification::Active),
            taut_band,
            hypersensitive_spot,
            referred_sensation,
            pain_recognition,
            twitch_response,
            jump_sign,
            restricted_rom,
            weakness,
            pain_nrs,
            ppt_value,
            ppt_unit: ppt_value.and(unit),
            ppt_kpa,
            referral_quality,
            referral_zone,
            notes: c.optional("notes", &self.notes, LONG_TEXT),
        };
        c.into_result(fields)
    }
}

fn parse_coordinate(c: &mut Checker, field: &'static str, value: &str, max: f64) -> Option<f64> {
    match value.trim().parse::<f64>() {
        Ok(v) if (0.0..=max).contains(&v) => Some((v * 10.0).round() / 10.0),
        _ => {
            c.fail(field, "The point must lie on the body map.");
            None
        }
    }
}

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct FactorForm {
    pub category: String,
    pub factor: String,
    pub source: String,
    pub status: String,
    pub action: String,
    pub identified_on: String,
    pub reviewed_on: String,
    /// Linked findings; one `finding_ids` field per ticked box.
    pub finding_ids: Vec<String>,
}

debug_only!(FactorForm: category);

impl FactorForm {
    /// A new factor, identified today (the practice's date).
    pub fn initial(today: NaiveDate) -> FactorForm {
        FactorForm {
            identified_on: today.to_string(),
            source: FactorSource::ClientReported.code().into(),
            ..FactorForm::default()
        }
    }

    pub fn from_factor(factor: &Factor, links: Vec<String>) -> FactorForm {
        let f = &factor.fields;
        FactorForm {
            category: f.category.code().to_owned(),
            factor: f.factor.clone(),
            source: f.source.code().to_owned(),
            status: f.status.code().to_owned(),
            action: f.action.clone().unwrap_or_default(),
            identified_on: f.identified_on.to_string(),
            reviewed_on: f.reviewed_on.map(|d| d.to_string()).unwrap_or_default(),
            finding_ids: links,
        }
    }

    pub fn links(&self, finding_id: &str) -> bool {
        self.finding_ids.iter().any(|id| id == finding_id)
    }

    /// Checks the factor. A blank status defaults by category: what a massage therapist cannot
    /// diagnose (nutritional, metabolic, inflammatory) starts as "suspected — refer", and can
    /// only be "confirmed" on a physician's or lab's word. Dates cannot be after `today`, the
    /// practice's date.
    pub fn validate(&self, today: NaiveDate) -> Result<FactorFields, FieldErrors> {
        let mut c = Checker::default();
        let category = c.choice("category", &self.category, FactorCategory::parse, "a category");
        let factor = c.required("factor", &self.factor, SHORT_TEXT, "the specific factor");
        let source = c.choice("source", &self.source, FactorSource::parse, "where this comes from");
        let status = match self.status.trim() {
            "" => Some(match category {
                Some(cat) if cat.needs_physician() => FactorStatus::SuspectedRefer,
                _ => FactorStatus::Suspected,
            }),
            code => c.choice("status", code, FactorStatus::parse, "a status"),
        };
        if let (Some(cat), Some(FactorStatus::Confirmed), Some(src)) = (category, status, source)
            && cat.needs_physician()
            && src != FactorSource::Physician
        {
            c.fail(
                "status",
                "Only a physician or lab can confirm this kind of factor; record it as suspected and refer.",
            );
        }
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        let identified_on = c.date_between("identified_on", &self.identified_on, earliest, today);
        if identified_on.is_none() {
            c.fail("identified_on", "Enter when the factor was identified.");
        }
        let reviewed_on =
            c.date_between("reviewed_on", &self.reviewed_on, identified_on.unwrap_or(earliest), today);
        let fields = FactorFields {
            // Placeholders where a value was refused: the form comes back with errors anyway.
            category: category.unwrap_or(FactorCategory::Other),
            factor,
            source: source.unwrap_or(FactorSource::ClientReported),
            status: status.unwrap_or(FactorStatus::Suspected),
            action: c.optional("action", &self.action, LONG_TEXT),
            identified_on: identified_on.unwrap_or(earliest),
            reviewed_on,
        };
        c.into_result(fields)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MuscleForm {
    pub name: String,
    pub region: String,
    pub map_view: String,
    pub map_x: String,
    pub map_y: String,
    pub trp_sites: String,
    pub referral: String,
    pub palpation: String,
    /// Referral zone codes; one `zones` field per ticked box.
    pub zones: Vec<String>,
}

impl MuscleForm {
    pub fn has_zone(&self, code: &str) -> bool {
        self.zones.iter().any(|z| z == code)
    }

    pub fn validate(&self) -> Result<NewCustomMuscle, FieldErrors> {
        let mut c = Checker::default();
        let name = c.required("name", &self.name, 100, "a name");
        let region = c.choice("region", &self.region, Region::parse, "a region");
        let view = c.choice("map_view", &self.map_view, View::parse, "the front or back figure");
        let x = parse_coordinate(&mut c, "map_x", &self.map_x, MAP_WIDTH);
        let y = parse_coordinate(&mut c, "map_y", &self.map_y, MAP_HEIGHT);
        let mut zones = Vec::new();
        for code in &self.zones {
            match Zone::parse(code) {
                Some(zone) if !zones.contains(&zone) => zones.push(zone),
                Some(_) => {}
                None => c.fail("zones", "Choose zones from the list."),
            }
        }
        if zones.is_empty() {
            c.fail("zones", "Choose at least one zone the muscle refers pain to.");
        }
        let muscle = NewCustomMuscle {
            name,
            region: region.unwrap_or(Region::Trunk),
            view: view.unwrap_or(View::Front),
            x: x.unwrap_or_default(),
            y: y.unwrap_or_default(),
            trp_sites: c.required("trp_sites", &self.trp_sites, LONG_TEXT, "where its trigger points lie"),
            referral: c.required("referral", &self.referral, LONG_TEXT, "its referral pattern"),
            palpation: c.optional("palpation", &self.palpation, LONG_TEXT).unwrap_or_default(),
            zones,
        };
        c.into_result(muscle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_form_checks_ranges_and_normalises_pressure() {
        let form = FindingForm {
            muscle_id: "upper-trapezius".into(),
            side: "left".into(),
            pain_nrs: "12".into(),
            ppt_value: "0".into(),
            map_view: "front".into(),
            map_x: "900".into(),
            map_y: "10".into(),
            ..FindingForm::default()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["map_x", "pain_nrs", "ppt_value"]);
        let ok = FindingForm {
            muscle_id: "upper-trapezius".into(),
            side: "left".into(),
            ppt_value: "3".into(),
            ..FindingForm::default()
        };
        let fields = ok.validate().unwrap();
        assert!((fields.ppt_kpa.unwrap() - 294.1995).abs() < 1e-6);
        assert_eq!(fields.taut_band, Finding3::NotTested);
    }

    #[test]
    fn nutritional_factors_default_to_referral_and_need_a_physician_to_confirm() {
        let form = FactorForm {
            category: "nutritional".into(),
            factor: "Low vitamin D suspected".into(),
            source: "client".into(),
            identified_on: "2026-01-10".into(),
            ..FactorForm::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(form.validate(today).unwrap().status, FactorStatus::SuspectedRefer);
        let confirmed = FactorForm { status: "confirmed".into(), ..form.clone() };
        assert!(confirmed.validate(today).unwrap_err().contains_key("status"));
        let by_lab = FactorForm { source: "physician".into(), ..confirmed };
        assert_eq!(by_lab.validate(today).unwrap().status, FactorStatus::Confirmed);
        let posture = FactorForm { category: "posture".into(), status: String::new(), ..form };
        assert_eq!(posture.validate(today).unwrap().status, FactorStatus::Suspected);
    }
}
