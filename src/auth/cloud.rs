//! The Azure clouds and their Azure AD authority hosts.

use url::Url;

use super::AuthError;
use crate::net::check_secure;

/// The Azure cloud whose Azure AD issues the tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cloud {
    /// The public cloud, `https://login.microsoftonline.com` (the default).
    Public,
    /// Azure US Government, `https://login.microsoftonline.us`.
    UsGovernment,
    /// Azure operated by 21Vianet, `https://login.chinacloudapi.cn`.
    China,
    /// Any other authority host. It must be HTTPS unless it is a loopback
    /// address (for tests against a local stand-in).
    Custom(Url),
}

impl Cloud {
    /// The authority host.
    pub fn authority_host(&self) -> Url {
        let host = match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Custom(url) => return url.clone(),
        };
        Url::parse(host).expect("a valid constant URL")
    }

    /// Reads an authority host such as `AZURE_AUTHORITY_HOST`'s value.
    pub fn from_authority_host(host: &str) -> Result<Cloud, AuthError> {
        let url = Url::parse(host.trim()).map_err(|e| {
            AuthError::InvalidConfig(format!(
                "the authority host `{host}` is not a URL ({e}); write it like https://login.microsoftonline.com"
            ))
        })?;
        check_secure(&url, "the authority host").map_err(AuthError::InvalidConfig)?;
        let normalized = url.as_str().trim_end_matches('/');
        Ok(match normalized {
            "https://login.microsoftonline.com" => Cloud::Public,
            "https://login.microsoftonline.us" => Cloud::UsGovernment,
            "https://login.chinacloudapi.cn" => Cloud::China,
            _ => Cloud::Custom(url),
        })
    }
}

/// Which Azure AD token endpoint to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEndpoint {
    /// `/{tenant}/oauth2/token` with `resource=…` (the documented flow).
    #[default]
    V1,
    /// `/{tenant}/oauth2/v2.0/token` with `scope=…/.default`.
    V2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_hosts() {
        assert_eq!(
            Cloud::from_authority_host("https://login.microsoftonline.us/").unwrap(),
            Cloud::UsGovernment
        );
        assert!(matches!(
            Cloud::from_authority_host("http://127.0.0.1:8080").unwrap(),
            Cloud::Custom(_)
        ));
        let e = Cloud::from_authority_host("http://login.example.com").unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        assert!(Cloud::from_authority_host("login.microsoftonline.com").is_err());
    }
}
