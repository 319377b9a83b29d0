//! The words of trigger-point charting: regions, body-map views, sides, pain zones, diagnostic
//! criteria, pressure units, referral qualities and perpetuating-factor categories.

use crate::vocab::vocabulary;

vocabulary!(
    /// Body regions the muscle catalog is grouped by.
    Region {
        HeadNeck => ("head_neck", "Head and neck"),
        ShoulderArm => ("shoulder_arm", "Shoulder and upper arm"),
        ForearmHand => ("forearm_hand", "Forearm and hand"),
        Trunk => ("trunk", "Trunk"),
        HipThigh => ("hip_thigh", "Hip and thigh"),
        LegFoot => ("leg_foot", "Lower leg and foot"),
    }
);

vocabulary!(
    /// The two body-map figures.
    View {
        Front => ("front", "Front"),
        Back => ("back", "Back"),
    }
);

vocabulary!(
    Side {
        Left => ("left", "Left"),
        Right => ("right", "Right"),
        Bilateral => ("bilateral", "Both sides"),
    }
);

vocabulary!(
    /// Active points reproduce the client's familiar pain; latent ones do not (yet).
    Classification {
        Active => ("active", "Active"),
        Latent => ("latent", "Latent"),
        Resolved => ("resolved", "Resolved"),
    }
);

vocabulary!(
    /// The answer to one diagnostic criterion.
    Finding3 {
        Yes => ("yes", "Yes"),
        No => ("no", "No"),
        NotTested => ("nt", "Not tested"),
    }
);

vocabulary!(
    /// Diagnostic criteria recorded for a trigger point (the first three are the essential ones
    /// of the 2018 expert consensus).
    Criterion {
        TautBand => ("taut_band", "Taut band"),
        HypersensitiveSpot => ("hypersensitive_spot", "Hypersensitive spot"),
        ReferredSensation => ("referred_sensation", "Referred sensation"),
        PainRecognition => ("pain_recognition", "Client recognises the pain"),
        TwitchResponse => ("twitch_response", "Local twitch response"),
        JumpSign => ("jump_sign", "Jump sign"),
        RestrictedRom => ("restricted_rom", "Restricted range of motion"),
        Weakness => ("weakness", "Weakness"),
    }
);

vocabulary!(
    /// Algometer units for the pressure-pain threshold.
    PptUnit {
        KgPerCm2 => ("kg_cm2", "kg/cm²"),
        Newton => ("n", "N"),
        KiloPascal => ("kpa", "kPa"),
    }
);

impl PptUnit {
    /// The value in kPa, assuming the usual 1 cm² algometer probe.
    pub fn to_kpa(self, value: f64) -> f64 {
        match self {
            // 1 kgf = 9.80665 N; over 1 cm² that is 98.0665 kPa.
            PptUnit::KgPerCm2 => value * 98.0665,
            // 1 N over 1 cm² = 10 kPa.
            PptUnit::Newton => value * 10.0,
            PptUnit::KiloPascal => value,
        }
    }
}

vocabulary!(
    /// How the referred sensation feels.
    ReferralQuality {
        Pain => ("pain", "Pain"),
        Ache => ("ache", "Ache"),
        Tingling => ("tingling", "Tingling"),
        Numbness => ("numbness", "Numbness"),
        Burning => ("burning", "Burning"),
        Other => ("other", "Other"),
    }
);

vocabulary!(
    /// Where pain is felt: the vocabulary of referral zones and of the reverse lookup.
    Zone {
        Forehead => ("forehead", "Forehead"),
        Temple => ("temple", "Temple"),
        Eye => ("eye", "Around the eye"),
        Cheek => ("cheek", "Cheek"),
        Jaw => ("jaw", "Jaw"),
        Teeth => ("teeth", "Teeth"),
        Ear => ("ear", "Ear"),
        TopOfHead => ("top_of_head", "Top of the head"),
        BackOfHead => ("back_of_head", "Back of the head"),
        NeckFront => ("neck_front", "Front of the neck"),
        NeckBack => ("neck_back", "Back of the neck"),
        NeckSide => ("neck_side", "Side of the neck"),
        ShoulderTop => ("shoulder_top", "Top of the shoulder"),
        ShoulderFront => ("shoulder_front", "Front of the shoulder"),
        ShoulderBack => ("shoulder_back", "Back of the shoulder"),
        UpperArmFront => ("upper_arm_front", "Front of the upper arm"),
        UpperArmBack => ("upper_arm_back", "Back of the upper arm"),
        ElbowLateral => ("elbow_lateral", "Outer elbow"),
        ElbowMedial => ("elbow_medial", "Inner elbow"),
        ForearmFront => ("forearm_front", "Front of the forearm"),
        ForearmBack => ("forearm_back", "Back of the forearm"),
        HandBack => ("hand_back", "Back of the hand and wrist"),
        Palm => ("palm", "Palm and front of the wrist"),
        Thumb => ("thumb", "Thumb"),
        Fingers => ("fingers", "Fingers"),
        Chest => ("chest", "Chest"),
        UpperBack => ("upper_back", "Upper back, between the shoulder blades"),
        ShoulderBlade => ("shoulder_blade", "Over the shoulder blade"),
        MidBack => ("mid_back", "Mid back"),
        Abdomen => ("abdomen", "Abdomen"),
        LowerBack => ("lower_back", "Lower back"),
        Sacrum => ("sacrum", "Sacrum"),
        Buttock => ("buttock", "Buttock"),
        Groin => ("groin", "Groin"),
        HipLateral => ("hip_lateral", "Side of the hip"),
        ThighFront => ("thigh_front", "Front of the thigh"),
        ThighBack => ("thigh_back", "Back of the thigh"),
        ThighLateral => ("thigh_lateral", "Outer thigh"),
        ThighMedial => ("thigh_medial", "Inner thigh"),
        KneeFront => ("knee_front", "Front of the knee"),
        KneeBack => ("knee_back", "Back of the knee"),
        Shin => ("shin", "Shin"),
        Calf => ("calf", "Calf"),
        Ankle => ("ankle", "Ankle"),
        Heel => ("heel", "Heel"),
        Sole => ("sole", "Sole of the foot"),
        TopOfFoot => ("top_of_foot", "Top of the foot"),
        Toes => ("toes", "Toes"),
    }
);

vocabulary!(
    /// Techniques used in a visit.
    Technique {
        IschemicCompression => ("ischemic_compression", "Ischemic compression"),
        ActiveMassage => ("active_massage", "Active trigger-point massage"),
        Stretching => ("stretching", "Stretching"),
        BallOrTool => ("ball_tool", "Ball or tool work"),
        Heat => ("heat", "Heat"),
        Other => ("other", "Other"),
    }
);

vocabulary!(
    FactorCategory {
        Posture => ("posture", "Posture and ergonomics"),
        Overuse => ("overuse", "Repetitive strain and overuse"),
        Mechanical => ("mechanical", "Mechanical (leg length, hemipelvis, hypermobility, scoliosis)"),
        Psychological => ("psychological", "Stress and psychological"),
        Sleep => ("sleep", "Sleep"),
        Nutritional => ("nutritional", "Nutritional (B vitamins, C, D, iron, magnesium…)"),
        Metabolic => ("metabolic", "Metabolic and endocrine (thyroid, blood sugar)"),
        Environmental => ("environmental", "Cold and damp exposure"),
        Inflammation => ("inflammation", "Chronic inflammation or infection"),
        Other => ("other", "Other"),
    }
);

impl FactorCategory {
    /// Categories a massage therapist cannot diagnose: recorded as suspected and referred.
    pub fn needs_physician(self) -> bool {
        matches!(self, FactorCategory::Nutritional | FactorCategory::Metabolic | FactorCategory::Inflammation)
    }
}

vocabulary!(
    FactorSource {
        ClientReported => ("client", "Reported by the client"),
        Observed => ("observed", "Observed by the therapist"),
        Physician => ("physician", "Physician or lab"),
    }
);

vocabulary!(
    FactorStatus {
        Suspected => ("suspected", "Suspected"),
        SuspectedRefer => ("suspected_refer", "Suspected — refer to a physician"),
        Confirmed => ("confirmed", "Confirmed"),
        BeingAddressed => ("addressed", "Being addressed"),
        Resolved => ("resolved", "Resolved"),
        ReferredOut => ("referred", "Referred out"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for zone in Zone::ALL {
            assert_eq!(Zone::parse(zone.code()), Some(*zone));
        }
        let mut codes: Vec<_> = Zone::ALL.iter().map(|z| z.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Zone::ALL.len());
        assert_eq!(Criterion::ALL.len(), 8);
        assert_eq!(Zone::label_of("unknown"), "unknown");
    }

    #[test]
    fn pressure_is_normalised_to_kpa() {
        assert!((PptUnit::KgPerCm2.to_kpa(1.0) - 98.0665).abs() < 1e-9);
        assert!((PptUnit::Newton.to_kpa(9.80665) - 98.0665).abs() < 1e-9);
        assert!((PptUnit::KiloPascal.to_kpa(300.0) - 300.0).abs() < 1e-9);
    }
}
