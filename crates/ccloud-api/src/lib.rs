//! The Confluent Cloud control plane (`/org/v2`, `/cmk/v2`, `/srcm/v3`, `/iam/v2`).
//! Lists follow `metadata.next` to the end; page size is the maximum (100).

use api_http::{Client, HttpError, Retry, Secret, encode_component};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaCluster {
    pub id: String,
    pub name: String,
    /// Lower case: `gcp`, `aws`, `azure`.
    pub cloud: String,
    pub region: String,
    /// The Kafka REST endpoint: the PUBLIC entry of `spec.endpoints`, else `spec.http_endpoint`.
    pub rest_endpoint: String,
    pub bootstrap: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRegistry {
    pub id: String,
    pub endpoint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// An API key as listed (the secret is never listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub owner: String,
    pub resource: Option<String>,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug)]
pub struct CloudApi {
    client: Client,
}

impl CloudApi {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    /// Every item of a paginated list.
    fn list(&self, path: &str) -> Result<Vec<Value>, HttpError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}page_size=100"));
        let mut items = Vec::new();
        while let Some(p) = next.take() {
            let r = self.client.get(&p)?;
            items.extend(r.body["data"].as_array().cloned().unwrap_or_default());
            next = r.body["metadata"]["next"].as_str().filter(|n| !n.is_empty()).map(|n| self.relative(n));
        }
        Ok(items)
    }

    /// `metadata.next` is absolute; requests go through the same client.
    fn relative(&self, url: &str) -> String {
        match url.strip_prefix(self.client.base_url()) {
            Some(rest) => rest.to_owned(),
            None => url
                .split_once("://")
                .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_owned()))
                .unwrap_or_else(|| url.to_owned()),
        }
    }

    pub fn environments(&self) -> Result<Vec<Environment>, HttpError> {
        Ok(self
            .list("/org/v2/environments")?
            .iter()
            .filter_map(|e| {
                Some(Environment { id: e["id"].as_str()?.into(), name: e["display_name"].as_str()?.into() })
            })
            .collect())
    }

    pub fn kafka_clusters(&self, environment_id: &str) -> Result<Vec<KafkaCluster>, HttpError> {
        Ok(self
            .list(&format!("/cmk/v2/clusters?environment={environment_id}"))?
            .iter()
            .filter_map(cluster_from_json)
            .collect())
    }

    pub fn schema_registry(&self, environment_id: &str) -> Result<Option<SchemaRegistry>, HttpError> {
        let items = self.list(&format!("/srcm/v3/clusters?environment={environment_id}"))?;
        Ok(items.first().and_then(|s| {
            Some(SchemaRegistry { id: s["id"].as_str()?.into(), endpoint: s["spec"]["http_endpoint"].as_str()?.into() })
        }))
    }

    pub fn service_accounts(&self, names: &[&str]) -> Result<Vec<ServiceAccount>, HttpError> {
        let filter: String = names.iter().map(|n| format!("display_name={}&", encode_component(n))).collect();
        let path = format!("/iam/v2/service-accounts?{}", filter.trim_end_matches('&'));
        Ok(self.list(path.trim_end_matches('?'))?.iter().filter_map(sa_from_json).collect())
    }

    /// Creates a service account. A 409 (name taken) is returned as an error for the
    /// caller to adopt the existing account; that also makes repeating a create that had
    /// landed unseen safe, so transient failures are retried.
    pub fn create_service_account(&self, name: &str, description: &str) -> Result<ServiceAccount, HttpError> {
        let body = json!({"display_name": name, "description": description});
        let r = self.client.request("POST", "/iam/v2/service-accounts", Some(&body), Retry::Transient)?;
        sa_from_json(&r.body).ok_or_else(|| decode("POST", "/iam/v2/service-accounts"))
    }

    pub fn update_service_account(&self, id: &str, description: &str) -> Result<(), HttpError> {
        let body = json!({"description": description});
        self.client.request("PATCH", &format!("/iam/v2/service-accounts/{id}"), Some(&body), Retry::Transient).map(drop)
    }

    pub fn delete_service_account(&self, id: &str) -> Result<(), HttpError> {
        match self.client.request("DELETE", &format!("/iam/v2/service-accounts/{id}"), None, Retry::Transient) {
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(drop),
        }
    }

    pub fn api_keys(&self, owner: Option<&str>, resource: Option<&str>) -> Result<Vec<ApiKey>, HttpError> {
        let mut q = Vec::new();
        if let Some(o) = owner {
            q.push(format!("spec.owner={o}"));
        }
        if let Some(r) = resource {
            q.push(format!("spec.resource={r}"));
        }
        let path =
            if q.is_empty() { "/iam/v2/api-keys".to_owned() } else { format!("/iam/v2/api-keys?{}", q.join("&")) };
        Ok(self.list(&path)?.iter().filter_map(key_from_json).collect())
    }

    /// One key by id; `None` when it does not exist. Unlike the list, which lags a
    /// freshly minted key, this answers for a key that was just made.
    pub fn api_key(&self, id: &str) -> Result<Option<ApiKey>, HttpError> {
        match self.client.get(&format!("/iam/v2/api-keys/{}", encode_component(id))) {
            Ok(r) => Ok(key_from_json(&r.body)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Mints a key. Only a 429 is retried (it guarantees nothing was created): after a
    /// timeout, a dropped connection or a 5xx the key may exist, and a blind retry would
    /// mint a second one. The caller looks the pair's keys up ([`CloudApi::api_keys`] by
    /// owner and resource) before it mints again.
    pub fn create_api_key(
        &self,
        owner: &str,
        resource: Option<(&str, &str)>,
        description: &str,
    ) -> Result<(ApiKey, Secret), HttpError> {
        let mut spec = json!({"display_name": description, "description": description, "owner": {"id": owner}});
        if let Some((id, environment)) = resource {
            spec["resource"] = json!({"id": id, "environment": environment});
        }
        let r = self.client.request("POST", "/iam/v2/api-keys", Some(&json!({"spec": spec})), Retry::ThrottleOnly)?;
        let key = key_from_json(&r.body).ok_or_else(|| decode("POST", "/iam/v2/api-keys"))?;
        let secret =
            r.body["spec"]["secret"].as_str().map(Secret::new).ok_or_else(|| decode("POST", "/iam/v2/api-keys"))?;
        Ok((key, secret))
    }

    pub fn delete_api_key(&self, id: &str) -> Result<(), HttpError> {
        match self.client.request("DELETE", &format!("/iam/v2/api-keys/{id}"), None, Retry::Transient) {
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(drop),
        }
    }
}

fn decode(method: &'static str, path: &str) -> HttpError {
    HttpError::Decode { method, path: path.into(), message: "missing fields in the response".into() }
}

fn cluster_from_json(c: &Value) -> Option<KafkaCluster> {
    let spec = &c["spec"];
    let public = spec["endpoints"].as_object().and_then(|m| m.values().find(|e| e["connection_type"] == "PUBLIC"));
    let rest = public.and_then(|e| e["http_endpoint"].as_str()).or_else(|| spec["http_endpoint"].as_str())?;
    Some(KafkaCluster {
        id: c["id"].as_str()?.into(),
        name: spec["display_name"].as_str()?.into(),
        cloud: spec["cloud"].as_str()?.to_ascii_lowercase(),
        region: spec["region"].as_str()?.into(),
        rest_endpoint: rest.trim_end_matches('/').into(),
        bootstrap: spec["kafka_bootstrap_endpoint"].as_str().unwrap_or_default().into(),
    })
}

fn sa_from_json(s: &Value) -> Option<ServiceAccount> {
    Some(ServiceAccount {
        id: s["id"].as_str()?.into(),
        name: s["display_name"].as_str()?.into(),
        description: s["description"].as_str().unwrap_or_default().into(),
    })
}

fn key_from_json(k: &Value) -> Option<ApiKey> {
    Some(ApiKey {
        id: k["id"].as_str()?.into(),
        owner: k["spec"]["owner"]["id"].as_str()?.into(),
        resource: k["spec"]["resource"]["id"].as_str().map(str::to_owned),
        description: k["spec"]["description"].as_str().unwrap_or_default().into(),
        created_at: k["metadata"]["created_at"].as_str().unwrap_or_default().into(),
    })
}
