//! Controlled vocabularies: a closed set of values, each with a stable code (what is stored)
//! and a label (what people read). Declared with [`vocabulary!`].
//!
//! A vocabulary is also a diesel `Text` type, so a row can hold the value itself instead of a
//! string that every reader has to parse (and could misspell).

/// Declares an enum whose variants have a stored code and a display label, plus `ALL`,
/// `code()`, `label()`, `parse()` and the diesel mapping to a `Text` column.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored form.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }

            /// The form shown to people.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),*
                }
            }

            /// The value for a stored code, if it is one.
            pub fn parse(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// The label for a stored code, or the code itself if it is unknown.
            pub fn label_of(code: &str) -> &str {
                match Self::parse(code) {
                    Some(value) => value.label(),
                    None => code,
                }
            }
        }

        impl serde::Serialize for $name {
            /// As its code: what is stored is what is exported.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize<'de>>::deserialize(deserializer)?;
                $name::parse(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!("{code:?} is not a {}", stringify!($name)))
                })
            }
        }

        impl std::fmt::Display for $name {
            /// The label: what a template shows.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.code(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                $name::parse(&code)
                    .ok_or_else(|| format!("{code:?} is not a {}", stringify!($name)).into())
            }
        }
    };
}

pub(crate) use vocabulary;
