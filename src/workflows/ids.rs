//! Typed identifiers: a product id, a plan's variant id, a draft instance,
//! a submission and an etag are all strings on the wire, and a different
//! type each here, so one cannot be passed where another belongs.
//!
//! Each is a thin wrapper of the service's string. The generated client's
//! builders take them as they are (`.product_id(offer.product_id())`), since
//! each converts into `String`; [`as_str`](ProductId::as_str) gives the text.
//! They serialize as the bare string.

use std::fmt;

/// Declares one identifier type.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id the service issued (or one read from a file or a
            /// command line).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as the service spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type! {
    /// An offer's product id: the service's GUID-like id for it
    /// (`AzureProduct.id`), not the offer id a publisher chose.
    ProductId
}

id_type! {
    /// A plan's variant id: the service's id for it
    /// (`AzureSkuVariant.id`), not the plan id a publisher chose.
    VariantId
}

id_type! {
    /// A draft instance of one module (a branch's
    /// `currentDraftInstanceID`); on the live service sometimes a long
    /// number.
    InstanceId
}

id_type! {
    /// A submission's id; on the live service a long number
    /// (`1152921505695125040`).
    SubmissionId
}

id_type! {
    /// The version a resource was read at (`@odata.etag`), which an update
    /// sends back as `If-Match`.
    Etag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_text_on_the_wire_and_in_messages() {
        let id = SubmissionId::new("1152921505695125040");
        assert_eq!(id.to_string(), "1152921505695125040");
        assert_eq!(id, "1152921505695125040");
        assert_eq!(
            serde_json::to_value(&id).unwrap(),
            serde_json::json!("1152921505695125040")
        );
        let back: SubmissionId = serde_json::from_str("\"1152921505695125040\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(format!("{:?}", ProductId::new("p")), "ProductId(\"p\")");
        assert_eq!(String::from(&VariantId::new("v")), "v");
    }
}
