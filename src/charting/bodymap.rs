//! What the body map draws: a marker per finding, coloured by classification, on the front or
//! back figure.

use crate::charting::catalog::Muscle;
use crate::charting::findings::{Finding, label_with_state};
use crate::charting::vocab::{Side, View};

/// One dot on the map.
#[derive(Debug, Clone)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    /// "active", "latent" or "resolved": the CSS class of the dot.
    pub class: &'static str,
    /// Shown as the dot's tooltip.
    pub label: String,
}

/// Markers for both figures.
#[derive(Debug, Clone, Default)]
pub struct BodyMap {
    pub front: Vec<Marker>,
    pub back: Vec<Marker>,
}

impl BodyMap {
    /// Places each finding: where the therapist clicked, or else at its muscle's usual point on
    /// the recorded side (both sides when bilateral).
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = (&'a Finding, &'a Muscle)>) -> BodyMap {
        let mut map = BodyMap::default();
        for (finding, muscle) in findings {
            let finding = &finding.fields;
            let label = label_with_state(&muscle.name, finding);
            let mut points = Vec::new();
            match (finding.map_view, finding.map_x, finding.map_y) {
                (Some(view), Some(x), Some(y)) => points.push((view, x, y)),
                _ => {
                    let view = View::parse(&muscle.map_view).unwrap_or(View::Front);
                    let sides = match finding.side {
                        Side::Bilateral => vec![Side::Left, Side::Right],
                        side => vec![side],
                    };
                    for side in sides {
                        let (x, y) = muscle.point(side);
                        points.push((view, x, y));
                    }
                }
            }
            for (view, x, y) in points {
                let marker = Marker { x, y, class: finding.classification.code(), label: label.clone() };
                match view {
                    View::Front => map.front.push(marker),
                    View::Back => map.back.push(marker),
                }
            }
        }
        map
    }
}
