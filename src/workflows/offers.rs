//! Offers: find by offer id, create and wait until readable, get-or-create.

use futures::TryStreamExt;

use super::{Event, ProductId, Publisher, Result, WorkflowError};
use crate::types::{AzureProduct, AzureProductResourceType, BranchModule, TypeValuePair};

/// The external id type that holds an offer id.
const OFFER_ID_TYPE: &str = "AzureOfferId";

/// An offer the service knows: its product id (the service's GUID) and its
/// offer id (the publisher's name for it).
///
/// Obtained from [`Publisher::find_offer`], [`Publisher::create_offer`] or
/// [`Publisher::get_or_create_offer`], so its ids are the service's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    product_id: ProductId,
    offer_id: String,
    name: Option<String>,
    resource_type: Option<AzureProductResourceType>,
}

impl Offer {
    /// The service's id of the product (a GUID).
    pub fn product_id(&self) -> &ProductId {
        &self.product_id
    }

    /// The offer id the publisher chose (`AzureOfferId`).
    pub fn offer_id(&self) -> &str {
        &self.offer_id
    }

    /// The offer's name in Partner Center.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The kind of offer (`AzureApplication`…), when the service said.
    pub fn resource_type(&self) -> Option<&AzureProductResourceType> {
        self.resource_type.as_ref()
    }

    fn from_product(product: AzureProduct, offer_id: &str) -> Result<Offer> {
        let product_id = product.id.filter(|id| !id.is_empty()).ok_or_else(|| {
            WorkflowError::Unexpected(format!("the product of offer `{offer_id}` has no id"))
        })?;
        Ok(Offer {
            product_id: ProductId::new(product_id),
            offer_id: offer_id_of(&product.external_ids)
                .unwrap_or(offer_id)
                .to_string(),
            name: product.name,
            resource_type: product.resource_type,
        })
    }
}

fn offer_id_of(ids: &[TypeValuePair]) -> Option<&str> {
    ids.iter()
        .find(|p| {
            p.type_
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(OFFER_ID_TYPE))
        })
        .and_then(|p| p.value.as_deref())
}

/// Whether the service refused a product query for a filter it does not
/// know (not for a missing header or its own product type filter, which a
/// plainer query would not mend).
fn is_filter_refusal(error: &crate::Error) -> bool {
    error.api().is_some_and(|api| {
        api.status == http::StatusCode::BAD_REQUEST
            && !api.names_publisher_id()
            && !api.names_product_type_filter()
    })
}

/// What a new offer needs: its kind, offer id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOffer {
    resource_type: AzureProductResourceType,
    offer_id: String,
    name: String,
}

impl NewOffer {
    /// An offer of kind `resource_type`. The offer id is checked the way
    /// Partner Center checks it: 1 to 50 characters, lowercase letters,
    /// digits, `-` and `_`, starting with a letter or digit.
    pub fn new(
        resource_type: AzureProductResourceType,
        offer_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Result<NewOffer> {
        let offer_id = offer_id.into();
        check_id("offer id", &offer_id, 50)?;
        let name = name.into();
        if name.trim().is_empty() {
            return Err(WorkflowError::Invalid(format!(
                "the new offer `{offer_id}` needs a name"
            )));
        }
        Ok(NewOffer {
            resource_type,
            offer_id,
            name,
        })
    }

    /// An Azure Application offer (managed applications, solution templates).
    pub fn azure_application(
        offer_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Result<NewOffer> {
        NewOffer::new(AzureProductResourceType::AzureApplication, offer_id, name)
    }

    /// The offer id.
    pub fn offer_id(&self) -> &str {
        &self.offer_id
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Checks a publisher-chosen id (offer id, plan id).
pub(crate) fn check_id(what: &str, id: &str, max: usize) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    let starts_ok = id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if id.is_empty() || id.len() > max || !starts_ok || !id.chars().all(ok_char) {
        return Err(WorkflowError::Invalid(format!(
            "`{id}` is not a valid {what}: use 1 to {max} lowercase letters, digits, `-` or `_`, starting with a letter or digit"
        )));
    }
    Ok(())
}

impl Publisher {
    /// The Azure Application offer whose offer id (`AzureOfferId`) is
    /// `offer_id`, if there is one: [`Publisher::find_offer_of_type`] for
    /// [`AzureProductResourceType::AzureApplication`].
    pub async fn find_offer(&self, offer_id: &str) -> Result<Option<Offer>> {
        self.find_offer_of_type(&AzureProductResourceType::AzureApplication, offer_id)
            .await
    }

    /// The offer of kind `resource_type` whose offer id (`AzureOfferId`)
    /// is `offer_id`, if there is one. Every page of the answer is read; a
    /// page that cannot be read is an error, never a shorter list.
    ///
    /// The queries sent, in order (URL-encoded on the wire):
    ///
    /// 1. `GET /products?$filter=resourceType eq '{resource_type}' and
    ///    externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq '{offer_id}')`
    ///    — the service has accepted this form all along, and since 2026-04
    ///    some accounts are refused any product list without a
    ///    `resourceType` filter (`400 ICH50400 … ProductTypeFilter[0]`);
    /// 2. only if (1) is refused with `400` for its filter (a service or
    ///    emulator that knows only the external id filter), `GET
    ///    /products?$filter=externalIDs/Any(i:i/type eq 'AzureOfferId' and
    ///    i/value eq '{offer_id}')`, the query of earlier releases.
    ///
    /// A 400 that names the publisher id header or the product type filter
    /// is returned as it is: the second query would fail the same way.
    /// Either way the answer is checked here too: a product counts only if
    /// it carries the offer id and is of `resource_type`.
    pub async fn find_offer_of_type(
        &self,
        resource_type: &AzureProductResourceType,
        offer_id: &str,
    ) -> Result<Option<Offer>> {
        check_id("offer id", offer_id, 50)?;
        let by_id =
            format!("externalIDs/Any(i:i/type eq '{OFFER_ID_TYPE}' and i/value eq '{offer_id}')");
        let typed = format!("resourceType eq '{resource_type}' and {by_id}");
        match self.find_by_filter(typed, resource_type, offer_id).await {
            Err(WorkflowError::Api(e)) if is_filter_refusal(&e) => {
                tracing::debug!(
                    error = %e,
                    "the service refused the filter by resource type; filtering by offer id only"
                );
                self.find_by_filter(by_id, resource_type, offer_id).await
            }
            other => other,
        }
    }

    async fn find_by_filter(
        &self,
        filter: String,
        resource_type: &AzureProductResourceType,
        offer_id: &str,
    ) -> Result<Option<Offer>> {
        let mut products = self.client.list_products().filter(filter).stream();
        while let Some(product) = products.try_next().await? {
            // The filter is the service's; check the answer anyway.
            let same_type = product
                .resource_type
                .as_ref()
                .is_none_or(|t| t.as_str().eq_ignore_ascii_case(resource_type.as_str()));
            if same_type && offer_id_of(&product.external_ids) == Some(offer_id) {
                let offer = Offer::from_product(product, offer_id)?;
                return Ok(Some(offer));
            }
        }
        Ok(None)
    }

    /// Creates an offer and waits until the service shows it and its
    /// drafts (up to the consistency deadline).
    ///
    /// It does not look for an existing offer first; see
    /// [`Publisher::get_or_create_offer`].
    pub async fn create_offer(&self, new: &NewOffer) -> Result<Offer> {
        let pair = TypeValuePair {
            type_: Some(OFFER_ID_TYPE.to_string()),
            value: Some(new.offer_id.clone()),
            ..Default::default()
        };
        let body = AzureProduct {
            resource_type: Some(new.resource_type.clone()),
            name: Some(new.name.clone()),
            external_ids: vec![pair],
            ..Default::default()
        };
        let created = self
            .client
            .create_product()
            .body(body)
            .send()
            .await?
            .into_inner();
        let offer = Offer::from_product(created, &new.offer_id)?;
        self.wait_until_readable(&offer).await?;
        self.emit(Event::OfferCreated {
            offer_id: offer.offer_id.clone(),
            product_id: offer.product_id.clone(),
        });
        Ok(offer)
    }

    /// The offer with `new`'s kind and offer id, created if there is none
    /// (found as [`Publisher::find_offer_of_type`] says).
    pub async fn get_or_create_offer(&self, new: &NewOffer) -> Result<Offer> {
        match self
            .find_offer_of_type(&new.resource_type, &new.offer_id)
            .await?
        {
            Some(offer) => {
                self.emit(Event::OfferFound {
                    offer_id: offer.offer_id.clone(),
                    product_id: offer.product_id.clone(),
                });
                Ok(offer)
            }
            None => self.create_offer(new).await,
        }
    }

    /// Waits until the product answers and its offer-level listing branch
    /// exists: the point from which its drafts can be edited.
    async fn wait_until_readable(&self, offer: &Offer) -> Result<()> {
        let mut wait = self.waiter(
            self.consistency_deadline,
            format!("the new offer `{}` to become readable", offer.offer_id),
            "the service is slow to show new offers; raise Publisher::consistency_deadline",
        );
        loop {
            let read = self
                .client
                .get_product()
                .product_id(&offer.product_id)
                .send();
            match wait.bounded(read).await {
                Ok(_) => break,
                Err(e) => {
                    let e = WorkflowError::from(e);
                    if !super::is_not_found(&e) {
                        return Err(e);
                    }
                }
            }
            wait.pause().await?;
        }
        self.branch_instance(&offer.product_id, &BranchModule::Listing, None, &mut wait)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_ids_are_checked_like_partner_center_does() {
        assert!(check_id("offer id", "contoso-analytics_2", 50).is_ok());
        for bad in ["", "Contoso", "-x", "a b", "a'b", &"a".repeat(51)] {
            let err = check_id("offer id", bad, 50).unwrap_err().to_string();
            assert!(err.contains("not a valid offer id"), "{bad}: {err}");
        }
    }
}
