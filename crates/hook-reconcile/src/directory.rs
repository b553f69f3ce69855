//! Cloud names → ids, looked up once per run: environments by name, clusters by
//! (name, cloud, region), Schema Registry per environment. In direct mode the one
//! configured cluster stands in for the declared one.

use crate::Failure;
use crate::settings::Settings;
use api_http::Client;
use ccloud_api::{CloudApi, KafkaCluster, SchemaRegistry};
use ccloud_spec::ClusterRef;
use kafka_rest::KafkaRest;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// A cluster the hooks can talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCluster {
    pub id: String,
    pub environment_id: Option<String>,
    pub rest_endpoint: String,
    pub bootstrap: String,
}

/// Lazily filled caches over the Cloud API (or the direct target).
pub struct Directory<'s> {
    settings: &'s Settings,
    deadline: Instant,
    cloud: Option<CloudApi>,
    environments: Mutex<Option<BTreeMap<String, String>>>,
    clusters: Mutex<BTreeMap<String, Vec<KafkaCluster>>>,
    registries: Mutex<BTreeMap<String, Option<SchemaRegistry>>>,
}

impl<'s> Directory<'s> {
    pub fn new(settings: &'s Settings, deadline: Instant) -> Self {
        let cloud = settings
            .cloud_credentials
            .as_ref()
            .map(|c| CloudApi::new(Client::new(&settings.cloud_endpoint, Some(c), deadline)));
        Self {
            settings,
            deadline,
            cloud,
            environments: Mutex::new(None),
            clusters: Mutex::new(BTreeMap::new()),
            registries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The control-plane client, when Cloud credentials are configured.
    pub fn cloud(&self) -> Option<&CloudApi> {
        self.cloud.as_ref()
    }

    pub fn requests_sent(&self) -> u64 {
        self.cloud.as_ref().map_or(0, CloudApi::requests_sent)
    }

    fn no_cloud(subject: &str) -> Failure {
        Failure::permanent(
            subject,
            "no target: set CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET (or KAFKA_REST_ENDPOINT and KAFKA_ID)",
        )
    }

    /// The id of an environment by display name.
    pub fn environment_id(&self, name: &str) -> Result<String, Failure> {
        let cloud = self.cloud.as_ref().ok_or_else(|| Self::no_cloud(name))?;
        let mut cache = self.environments.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.is_none() {
            let list = cloud.environments().map_err(|e| Failure::from_http(format!("environment {name}"), &e))?;
            *cache = Some(list.into_iter().map(|e| (e.name, e.id)).collect());
        }
        cache
            .as_ref()
            .and_then(|m| m.get(name).cloned())
            .ok_or_else(|| Failure::permanent(format!("environment {name}"), "no such environment in the organisation"))
    }

    /// The cluster a declaration names.
    /// A Kafka REST client for a declared cluster, with the run's Kafka API key for it.
    pub fn kafka(&self, cluster: &ClusterRef) -> Result<KafkaRest, Failure> {
        let resolved = self.cluster(cluster)?;
        let credentials = self.settings.kafka_credentials.for_cluster(&resolved.id).ok_or_else(|| {
            Failure::permanent(
                format!("cluster {cluster}"),
                format!(
                    "no Kafka API key for {}: set KAFKA_API_KEY/KAFKA_API_SECRET or KAFKA_CREDENTIALS_FILE",
                    resolved.id
                ),
            )
        })?;
        let client = Client::new(&resolved.rest_endpoint, Some(credentials), self.deadline);
        Ok(KafkaRest::new(client, &resolved.id))
    }

    pub fn cluster(&self, r: &ClusterRef) -> Result<ResolvedCluster, Failure> {
        if let Some(direct) = &self.settings.direct {
            return match &direct.cluster_name {
                Some(name) if *name != r.name => Err(Failure::permanent(
                    format!("cluster {r}"),
                    format!("direct mode serves only {name} (KAFKA_CLUSTER_NAME)"),
                )),
                _ => Ok(ResolvedCluster {
                    id: direct.cluster_id.clone(),
                    environment_id: None,
                    rest_endpoint: direct.endpoint.clone(),
                    bootstrap: String::new(),
                }),
            };
        }
        let env_id = self.environment_id(&r.environment)?;
        let cloud = self.cloud.as_ref().ok_or_else(|| Self::no_cloud(&r.environment))?;
        let mut cache = self.clusters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !cache.contains_key(&env_id) {
            let list = cloud
                .kafka_clusters(&env_id)
                .map_err(|e| Failure::from_http(format!("clusters of {}", r.environment), &e))?;
            cache.insert(env_id.clone(), list);
        }
        cache[&env_id]
            .iter()
            .find(|c| c.name == r.name && c.cloud == r.cloud && c.region == r.region)
            .map(|c| ResolvedCluster {
                id: c.id.clone(),
                environment_id: Some(env_id.clone()),
                rest_endpoint: c.rest_endpoint.clone(),
                bootstrap: c.bootstrap.clone(),
            })
            .ok_or_else(|| {
                Failure::permanent(
                    format!("cluster {r}"),
                    format!("no cluster {} on {}/{} in environment {}", r.name, r.cloud, r.region, r.environment),
                )
            })
    }

    /// The Schema Registry of an environment.
    pub fn schema_registry(&self, environment: &str) -> Result<(String, SchemaRegistry), Failure> {
        let env_id = self.environment_id(environment)?;
        let cloud = self.cloud.as_ref().ok_or_else(|| Self::no_cloud(environment))?;
        let mut cache = self.registries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !cache.contains_key(&env_id) {
            let sr = cloud
                .schema_registry(&env_id)
                .map_err(|e| Failure::from_http(format!("schema registry of {environment}"), &e))?;
            cache.insert(env_id.clone(), sr);
        }
        cache[&env_id].clone().map(|sr| (env_id.clone(), sr)).ok_or_else(|| {
            Failure::permanent(
                format!("schema registry of {environment}"),
                "Stream Governance is not enabled in this environment",
            )
        })
    }
}
