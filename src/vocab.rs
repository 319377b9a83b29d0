//! Controlled vocabularies: a closed set of values, each with a stable code (what is stored)
//! and a label (what people read). Declared with [`vocabulary!`](crate::vocabulary).

/// Declares an enum whose variants have a stored code and a display label, plus `ALL`,
/// `code()`, `label()` and `parse()`.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored form.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }

            /// The form shown to people.
            pub fn label(self) -> &'static str {
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
    };
}
